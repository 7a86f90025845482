package io.tracebridge.ingest;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.security.ApiToken;
import io.tracebridge.security.GrpcAuthInterceptor;

/**
 * OTLP/gRPC edge: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} on its own
 * port (4317 by default). gRPC has already decoded (and, for gzip, decompressed within the
 * inbound message limit) the request; this class maps the outcome to a gRPC status. The Export
 * method is bound with {@link GrpcExportRequest.Marshaller}, so a malformed message is answered
 * {@code INVALID_ARGUMENT} here instead of failing inside grpc-java.
 */
@GrpcService
public class OtlpGrpcService implements BindableService {
    /**
     * Heap per serialized byte of a call: the decoded message and its mapped rows
     * ({@link OtlpDecoder#PROTOBUF_COST_PER_BYTE}) plus the message as gRPC buffered it. gRPC has
     * parsed the message before this service sees it, so the byte budget is checked here, on its
     * serialized size; the inbound message size limit bounds a single call. This bounds what
     * admitted calls hold, not what concurrent calls hold while grpc-java parses them (see
     * docs/reliability.md: still open).
     */
    static final int COST_PER_BYTE = OtlpDecoder.PROTOBUF_COST_PER_BYTE + 1;

    private final IngestService ingest;

    public OtlpGrpcService(IngestService ingest) {
        this.ingest = ingest;
    }

    /**
     * The generated binding ({@code TraceServiceImplBase} has it final), except that the Export
     * request is parsed by {@link GrpcExportRequest.Marshaller}.
     */
    @Override
    public ServerServiceDefinition bindService() {
        MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> generated = TraceServiceGrpc.getExportMethod();
        MethodDescriptor<GrpcExportRequest, ExportTraceServiceResponse> export = generated.toBuilder(
                new GrpcExportRequest.Marshaller(generated.getRequestMarshaller()), generated.getResponseMarshaller()).build();
        return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
                .addMethod(export, ServerCalls.asyncUnaryCall(this::export))
                .build();
    }

    /** A malformed message goes through the same path (and metrics) as an undecodable OTLP/HTTP body. */
    void export(GrpcExportRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        String experimentId = ExperimentHeaderInterceptor.EXPERIMENT_ID.get();
        ApiToken caller = GrpcAuthInterceptor.CALLER.get();
        ByteBudget.Reservation reservation = ingest.budget().open();
        try {
            reservation.add(COST_PER_BYTE * (long) request.serializedSize());
        } catch (OtlpException refused) {
            response.onError(status(ingest.refused(IngestMetrics.Transport.GRPC, refused)).asRuntimeException());
            return;
        }
        ingest.ingest(IngestMetrics.Transport.GRPC, caller == null ? ApiToken.ANONYMOUS_ADMIN : caller, experimentId,
                request::requireValid, reservation).subscribe().with(
                result -> {
                    ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
                    if (result.hasPartialSuccess()) {
                        b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                                .setRejectedSpans(result.rejectedSpans())
                                .setErrorMessage(result.errorMessage()));
                    }
                    response.onNext(b.build());
                    response.onCompleted();
                },
                failure -> response.onError(status(failure).asRuntimeException()));
    }

    static Status status(Throwable failure) {
        if (failure instanceof OtlpException e) {
            Status s = switch (e.kind()) {
                case BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE -> Status.INVALID_ARGUMENT;
                case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
                case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
                case NOT_FOUND -> Status.NOT_FOUND;
                case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
            };
            return s.withDescription(e.getMessage());
        }
        return Status.INTERNAL.withDescription("Internal error; see the server log");
    }
}

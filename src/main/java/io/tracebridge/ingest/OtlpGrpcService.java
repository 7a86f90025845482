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
import io.tracebridge.errors.Failure;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.security.ApiToken;
import io.tracebridge.security.GrpcAuthInterceptor;
import io.netty.util.internal.PlatformDependent;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * OTLP/gRPC edge: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} on its own
 * port (4317 by default). The Export method is bound with {@link GrpcExportRequest.Marshaller}
 * behind a {@link GrpcReadGate}, which together bound the memory a call can take before this
 * class sees it:
 * <ol>
 *   <li>the read gate admits a call before grpc-java reads (buffers) its message, a bounded
 *       number at a time, and answers {@code UNAVAILABLE} when all reads are taken;</li>
 *   <li>the marshaller reserves {@link #COST_PER_BYTE} × the message size in the shared
 *       {@link ByteBudget} before parsing an uncompressed message and while inflating a
 *       compressed one, and turns a refusal into {@code UNAVAILABLE} (or {@code
 *       RESOURCE_EXHAUSTED} when it could never fit) and a malformed message into {@code
 *       INVALID_ARGUMENT}, instead of failing inside grpc-java;</li>
 *   <li>this class takes the reservation over and the ingest path gives it back when the
 *       request ends; one it never takes is given back when the call ends.</li>
 * </ol>
 */
@GrpcService
public class OtlpGrpcService implements BindableService {
    /**
     * Heap per serialized byte of a call: the decoded message and its mapped rows
     * ({@link OtlpDecoder#PROTOBUF_COST_PER_BYTE}) plus the message's bytes as read into the heap
     * for parsing (the frame itself is in Netty direct buffers, bounded by {@link GrpcReadGate}).
     */
    static final int COST_PER_BYTE = OtlpDecoder.PROTOBUF_COST_PER_BYTE + 1;
    private static final Logger LOG = Logger.getLogger(OtlpGrpcService.class);

    private final IngestService ingest;
    private final int maxMessageBytes;
    private final GrpcReadGate reads;

    public OtlpGrpcService(IngestService ingest,
                           @ConfigProperty(name = "quarkus.grpc.server.max-inbound-message-size", defaultValue = "4194304")
                           int maxMessageBytes) {
        this.ingest = ingest;
        this.maxMessageBytes = maxMessageBytes;
        this.reads = new GrpcReadGate(GrpcReadGate.defaultPermits(PlatformDependent.maxDirectMemory(), maxMessageBytes));
        LOG.infof("OTLP/gRPC: at most %d messages of up to %d bytes received at once", reads.permits(), maxMessageBytes);
    }

    /**
     * The generated binding ({@code TraceServiceImplBase} has it final), except that the Export
     * request is parsed by {@link GrpcExportRequest.Marshaller} and the call passes the read gate.
     */
    @Override
    public ServerServiceDefinition bindService() {
        MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> generated = TraceServiceGrpc.getExportMethod();
        MethodDescriptor<GrpcExportRequest, ExportTraceServiceResponse> export = generated.toBuilder(
                new GrpcExportRequest.Marshaller(generated.getRequestMarshaller(), ingest::budget, maxMessageBytes, COST_PER_BYTE),
                generated.getResponseMarshaller()).build();
        return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
                .addMethod(export, reads.wrap(ServerCalls.asyncUnaryCall(this::export),
                        refused -> ingest.refused(IngestMetrics.Transport.GRPC, refused)))
                .build();
    }

    GrpcReadGate reads() {
        return reads;
    }

    /** A malformed message goes through the same path (and metrics) as an undecodable OTLP/HTTP body. */
    void export(GrpcExportRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        String experimentId = ExperimentHeaderInterceptor.EXPERIMENT_ID.get();
        ApiToken caller = GrpcAuthInterceptor.CALLER.get();
        ByteBudget.Reservation reservation = request.claim();
        if (caller == null) {
            // GrpcAuthInterceptor puts a caller into every call's context; without one, refuse.
            if (reservation != null) {
                reservation.close();
            }
            response.onError(Failure.UNAUTHENTICATED.grpcStatus("No authenticated caller").asRuntimeException());
            return;
        }
        if (reservation == null) {
            response.onError(Failure.UNAVAILABLE.grpcStatus("The request was abandoned; retry").asRuntimeException());
            return;
        }
        OtlpException failure = request.failure();
        if (failure != null && (failure.kind() == OtlpException.Kind.UNAVAILABLE || failure.kind() == OtlpException.Kind.TOO_LARGE)) {
            reservation.close();
            response.onError(status(ingest.refused(IngestMetrics.Transport.GRPC, failure)).asRuntimeException());
            return;
        }
        ingest.ingest(IngestMetrics.Transport.GRPC, caller, experimentId,
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
                error -> response.onError(status(error).asRuntimeException()));
    }

    static Status status(Throwable failure) {
        if (failure instanceof OtlpException e) {
            return e.kind().failure().grpcStatus(e.getMessage());
        }
        return Failure.INTERNAL.grpcStatus("Internal error; see the server log");
    }
}

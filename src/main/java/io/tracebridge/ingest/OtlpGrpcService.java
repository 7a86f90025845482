package io.tracebridge.ingest;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.quarkus.grpc.GrpcService;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.security.ApiToken;
import io.tracebridge.security.GrpcAuthInterceptor;

/**
 * OTLP/gRPC edge: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} on its own
 * port (4317 by default). gRPC has already decoded (and, for gzip, decompressed within the
 * inbound message limit) the request; this class maps the outcome to a gRPC status.
 */
@GrpcService
public class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
    private final IngestService ingest;

    public OtlpGrpcService(IngestService ingest) {
        this.ingest = ingest;
    }

    @Override
    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        String experimentId = ExperimentHeaderInterceptor.EXPERIMENT_ID.get();
        ApiToken caller = GrpcAuthInterceptor.CALLER.get();
        ingest.ingest(IngestMetrics.Transport.GRPC, caller == null ? ApiToken.ANONYMOUS_ADMIN : caller, experimentId,
                () -> request).subscribe().with(
                result -> {
                    ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
                    if (result.rejectedSpans() > 0) {
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

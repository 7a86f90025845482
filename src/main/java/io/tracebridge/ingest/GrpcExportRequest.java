package io.tracebridge.ingest;

import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.InputStream;

/**
 * An OTLP/gRPC Export message as it came off the wire: the parsed request, or why it could not
 * be parsed. grpc-java parses a request in the call machinery, before any interceptor or service
 * code; with the generated marshaller, a malformed message failed there, and grpc-java answered
 * {@code UNKNOWN "Application error processing RPC"} and logged a stack trace for each one. This
 * marshaller never throws: the service answers the failure as {@code INVALID_ARGUMENT}, as
 * OTLP/HTTP answers an undecodable body with 400.
 */
record GrpcExportRequest(ExportTraceServiceRequest request, String error) {

    /** The message's size as parsed (0 for a malformed one, whose bytes are gone). */
    int serializedSize() {
        return request == null ? 0 : request.getSerializedSize();
    }

    /** The request, or the {@link OtlpException} (400 / INVALID_ARGUMENT) of a malformed message. */
    ExportTraceServiceRequest requireValid() {
        if (error != null) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, error);
        }
        return request;
    }

    /** Wraps the generated protobuf marshaller; its parse failures become a value. */
    static final class Marshaller implements MethodDescriptor.Marshaller<GrpcExportRequest> {
        private final MethodDescriptor.Marshaller<ExportTraceServiceRequest> protobuf;

        Marshaller(MethodDescriptor.Marshaller<ExportTraceServiceRequest> protobuf) {
            this.protobuf = protobuf;
        }

        @Override
        public InputStream stream(GrpcExportRequest value) {
            return protobuf.stream(value.request());
        }

        @Override
        public GrpcExportRequest parse(InputStream stream) {
            try {
                return new GrpcExportRequest(protobuf.parse(stream), null);
            } catch (StatusRuntimeException e) {
                // "INTERNAL: Invalid protobuf byte sequence", caused by protobuf's own message.
                String why = e.getCause() != null && e.getCause().getMessage() != null
                        ? e.getCause().getMessage() : e.getStatus().getDescription();
                return new GrpcExportRequest(null, "Invalid OTLP protobuf message: " + why);
            }
        }
    }
}

package io.tracebridge.ingest;

/**
 * An OTLP request that cannot be accepted. Each kind maps to one HTTP status and one gRPC status
 * (OTLP specification): only {@link Kind#UNAVAILABLE} is retryable.
 */
public class OtlpException extends RuntimeException {
    public enum Kind {
        /** Undecodable or invalid input: HTTP 400, gRPC INVALID_ARGUMENT. */
        BAD_REQUEST(400),
        /** Missing or unknown API token: HTTP 401, gRPC UNAUTHENTICATED. */
        UNAUTHENTICATED(401),
        /** The token may not write to this experiment: HTTP 403, gRPC PERMISSION_DENIED. */
        PERMISSION_DENIED(403),
        /** Unknown experiment: HTTP 404, gRPC NOT_FOUND. */
        NOT_FOUND(404),
        /** Body over the configured limit: HTTP 413, gRPC RESOURCE_EXHAUSTED. */
        TOO_LARGE(413),
        /** Content type other than protobuf or JSON: HTTP 415, gRPC INVALID_ARGUMENT. */
        UNSUPPORTED_MEDIA_TYPE(415),
        /** Database unreachable or service saturated: HTTP 503 + Retry-After, gRPC UNAVAILABLE. */
        UNAVAILABLE(503),
        /** A bug: HTTP 500, gRPC INTERNAL. Not retryable, so a poisoned batch is not resent forever. */
        INTERNAL(500);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    public OtlpException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

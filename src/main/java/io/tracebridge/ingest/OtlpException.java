package io.tracebridge.ingest;

import io.tracebridge.errors.Failure;

/**
 * An OTLP request that cannot be accepted. Each kind is a row of {@link Failure}, which gives its
 * HTTP status and gRPC status (OTLP specification): only {@link Kind#UNAVAILABLE} is retryable.
 */
public class OtlpException extends RuntimeException {
    public enum Kind {
        /** Undecodable or invalid input. */
        BAD_REQUEST(Failure.INVALID_PARAMETER_VALUE),
        /** Missing or unknown API token. */
        UNAUTHENTICATED(Failure.UNAUTHENTICATED),
        /** The token may not write to this experiment. */
        PERMISSION_DENIED(Failure.PERMISSION_DENIED),
        /** Unknown experiment. */
        NOT_FOUND(Failure.NOT_FOUND),
        /** Body over the configured limit. */
        TOO_LARGE(Failure.TOO_LARGE),
        /** Content type other than protobuf or JSON. */
        UNSUPPORTED_MEDIA_TYPE(Failure.UNSUPPORTED_MEDIA_TYPE),
        /** Database unreachable or service saturated: the only retryable kind. */
        UNAVAILABLE(Failure.UNAVAILABLE),
        /** A bug. Not retryable, so a poisoned batch is not resent forever. */
        INTERNAL(Failure.INTERNAL);

        private final Failure failure;

        Kind(Failure failure) {
            this.failure = failure;
        }

        /** The row of the one status table (HTTP status, gRPC code, MLflow code) this kind answers with. */
        public Failure failure() {
            return failure;
        }

        public int httpStatus() {
            return failure.httpStatus();
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

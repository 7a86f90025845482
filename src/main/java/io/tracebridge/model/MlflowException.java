package io.tracebridge.model;

/** A failure that reaches the client as MLflow error JSON {@code {error_code, message}}. */
public class MlflowException extends RuntimeException {
    private final ErrorCode code;
    private final long retryAfterSeconds;

    public MlflowException(ErrorCode code, String message) {
        this(code, message, 0);
    }

    private MlflowException(ErrorCode code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ErrorCode code() {
        return code;
    }

    /** For a retryable failure, the seconds the client is asked to wait; 0 for the usual wait. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** TEMPORARILY_UNAVAILABLE (503), retry after {@code seconds} (at least 1). */
    public static MlflowException unavailable(String message, long seconds) {
        return new MlflowException(ErrorCode.TEMPORARILY_UNAVAILABLE, message, Math.max(1, seconds));
    }

    public static MlflowException invalid(String message) {
        return new MlflowException(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }

    public static MlflowException notFound(String message) {
        return new MlflowException(ErrorCode.RESOURCE_DOES_NOT_EXIST, message);
    }
}

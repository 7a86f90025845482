package io.tracebridge.model;

/** A failure that reaches the client as MLflow error JSON {@code {error_code, message}}. */
public class MlflowException extends RuntimeException {
    private final ErrorCode code;

    public MlflowException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static MlflowException invalid(String message) {
        return new MlflowException(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }

    public static MlflowException notFound(String message) {
        return new MlflowException(ErrorCode.RESOURCE_DOES_NOT_EXIST, message);
    }
}

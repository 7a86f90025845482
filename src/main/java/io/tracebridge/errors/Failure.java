package io.tracebridge.errors;

import io.grpc.Status;
import io.tracebridge.model.ErrorCode;

/**
 * The one table from a kind of failure to what each transport says: the HTTP status (REST and
 * OTLP/HTTP), the gRPC status code (OTLP/gRPC, and the {@code google.rpc.Status} body of an
 * OTLP/HTTP error) and MLflow's error code (the REST API's error JSON). Every other class asks this
 * table; none keeps a status of its own. MLflow's codes and their statuses:
 * docs/mlflow-compatibility.md §4.6. OTLP's codes and which are retryable: the OTLP specification's
 * failure sections (only {@link #UNAVAILABLE} is retryable here, with {@code Retry-After}).
 */
public enum Failure {
    //                     HTTP  gRPC                                MLflow error code
    INVALID_PARAMETER_VALUE(400, Status.Code.INVALID_ARGUMENT,    ErrorCode.INVALID_PARAMETER_VALUE),
    BAD_REQUEST(            400, Status.Code.INVALID_ARGUMENT,    ErrorCode.BAD_REQUEST),
    MALFORMED_REQUEST(      400, Status.Code.INVALID_ARGUMENT,    ErrorCode.MALFORMED_REQUEST),
    INVALID_STATE(          400, Status.Code.FAILED_PRECONDITION, ErrorCode.INVALID_STATE),
    ALREADY_EXISTS(         400, Status.Code.ALREADY_EXISTS,      ErrorCode.RESOURCE_ALREADY_EXISTS),
    UNAUTHENTICATED(        401, Status.Code.UNAUTHENTICATED,     ErrorCode.UNAUTHENTICATED),
    PERMISSION_DENIED(      403, Status.Code.PERMISSION_DENIED,   ErrorCode.PERMISSION_DENIED),
    NOT_FOUND(              404, Status.Code.NOT_FOUND,           ErrorCode.RESOURCE_DOES_NOT_EXIST),
    NO_SUCH_ENDPOINT(       404, Status.Code.UNIMPLEMENTED,       ErrorCode.ENDPOINT_NOT_FOUND),
    METHOD_NOT_ALLOWED(     405, Status.Code.UNIMPLEMENTED,       ErrorCode.BAD_REQUEST),
    /** A body over a configured limit, or one that could never fit the memory budget. */
    TOO_LARGE(              413, Status.Code.RESOURCE_EXHAUSTED,  ErrorCode.INVALID_PARAMETER_VALUE),
    UNSUPPORTED_MEDIA_TYPE( 415, Status.Code.INVALID_ARGUMENT,    ErrorCode.INVALID_PARAMETER_VALUE),
    REQUEST_LIMIT_EXCEEDED( 429, Status.Code.RESOURCE_EXHAUSTED,  ErrorCode.REQUEST_LIMIT_EXCEEDED),
    /** A bug. Not retryable, so that a poisoned batch is not resent for ever. */
    INTERNAL(               500, Status.Code.INTERNAL,            ErrorCode.INTERNAL_ERROR),
    NOT_IMPLEMENTED(        501, Status.Code.UNIMPLEMENTED,       ErrorCode.NOT_IMPLEMENTED),
    /** Database unreachable or service saturated: the client should retry after {@link #RETRY_AFTER_SECONDS}. */
    UNAVAILABLE(            503, Status.Code.UNAVAILABLE,         ErrorCode.TEMPORARILY_UNAVAILABLE);

    /** Seconds a client is asked to wait before retrying an {@link #UNAVAILABLE} answer, on every HTTP path. */
    public static final String RETRY_AFTER_SECONDS = "5";

    private final int httpStatus;
    private final Status.Code grpcCode;
    private final ErrorCode mlflowCode;

    Failure(int httpStatus, Status.Code grpcCode, ErrorCode mlflowCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
        this.mlflowCode = mlflowCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public Status.Code grpcCode() {
        return grpcCode;
    }

    /** The gRPC status as a {@code google.rpc.Code} number, for OTLP/HTTP's {@code google.rpc.Status} body. */
    public int grpcCodeNumber() {
        return grpcCode.value();
    }

    public ErrorCode mlflowCode() {
        return mlflowCode;
    }

    /** Whether the client is asked to retry ({@code Retry-After}, gRPC UNAVAILABLE). */
    public boolean retryable() {
        return this == UNAVAILABLE;
    }

    /** A gRPC status for this failure, with the message as its description. */
    public Status grpcStatus(String message) {
        return Status.fromCode(grpcCode).withDescription(message);
    }

    /** The row an MLflow error code belongs to: the first whose MLflow column is that code. */
    public static Failure of(ErrorCode code) {
        return BY_MLFLOW_CODE[code.ordinal()];
    }

    private static final Failure[] BY_MLFLOW_CODE = new Failure[ErrorCode.values().length];

    static {
        for (Failure f : values()) {
            if (BY_MLFLOW_CODE[f.mlflowCode.ordinal()] == null) {
                BY_MLFLOW_CODE[f.mlflowCode.ordinal()] = f;
            }
        }
        for (ErrorCode c : ErrorCode.values()) {
            if (BY_MLFLOW_CODE[c.ordinal()] == null) {
                throw new ExceptionInInitializerError("No failure row for MLflow error code " + c);
            }
        }
    }
}

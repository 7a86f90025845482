package io.tracebridge.model;

/** MLflow error codes (docs/mlflow-compatibility.md §4.6); the HTTP status of each is its row in {@code errors.Failure}. */
public enum ErrorCode {
    INVALID_PARAMETER_VALUE,
    BAD_REQUEST,
    MALFORMED_REQUEST,
    INVALID_STATE,
    RESOURCE_ALREADY_EXISTS,
    UNAUTHENTICATED,
    PERMISSION_DENIED,
    RESOURCE_DOES_NOT_EXIST,
    ENDPOINT_NOT_FOUND,
    REQUEST_LIMIT_EXCEEDED,
    INTERNAL_ERROR,
    NOT_IMPLEMENTED,
    TEMPORARILY_UNAVAILABLE
}

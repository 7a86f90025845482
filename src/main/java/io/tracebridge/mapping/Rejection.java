package io.tracebridge.mapping;

/** Why a single span was not stored; reported in OTLP partial success and counted by reason. */
public enum Rejection {
    INVALID_TRACE_ID("invalid_trace_id", "invalid trace_id (must be 16 bytes, not all zero)"),
    INVALID_SPAN_ID("invalid_span_id", "invalid span_id (must be 8 bytes, not all zero)"),
    INVALID_PARENT_SPAN_ID("invalid_parent_span_id", "invalid parent_span_id (must be empty or 8 bytes)"),
    TOO_MANY_SPANS("too_many_spans", "more spans in one request than the configured maximum");

    private final String code;
    private final String message;

    Rejection(String code, String message) {
        this.code = code;
        this.message = message;
    }

    /** Short reason for metrics labels. */
    public String code() {
        return code;
    }

    public String message() {
        return message;
    }
}

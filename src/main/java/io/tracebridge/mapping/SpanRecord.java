package io.tracebridge.mapping;

/**
 * A span ready to store: IDs as lowercase hex, MLflow status name, type, times in epoch
 * nanoseconds ({@code endTimeNanos} null while unfinished) and the OTel proto-JSON document
 * that the read API returns, and the LLM token counts it reports ({@link TokenUsage}, null for
 * none).
 */
public record SpanRecord(
        String traceId,
        String spanId,
        String parentSpanId,
        String name,
        String spanType,
        String status,
        long startTimeNanos,
        Long endTimeNanos,
        String content,
        TokenUsage tokens) {
}

package io.tracebridge.model;

import java.util.Map;

/**
 * Feedback logged by client request ID before a trace with that ID arrived (docs/mlflow-compatibility.md §8.7).
 * {@code status} is PENDING, ATTACHED (then {@code traceId} and {@code assessmentId} are set)
 * or EXPIRED.
 */
public record PendingFeedback(
        String pendingId,
        String clientRequestId,
        String experimentId,
        String name,
        String valueJson,
        String rationale,
        String sourceType,
        String sourceId,
        Map<String, String> metadata,
        String status,
        String traceId,
        String assessmentId,
        long createTimeMs,
        long expiresAtMs) {
}

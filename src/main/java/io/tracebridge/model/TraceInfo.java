package io.tracebridge.model;

import java.util.List;
import java.util.Map;

/**
 * MLflow TraceInfo V3 (docs/mlflow-compatibility.md §1.3). Times are epoch milliseconds; {@code executionDurationMs}
 * is null while no span of the trace has ended.
 */
public record TraceInfo(
        String traceId,
        String clientRequestId,
        String experimentId,
        long requestTimeMs,
        Long executionDurationMs,
        TraceState state,
        String requestPreview,
        String responsePreview,
        Map<String, String> metadata,
        Map<String, String> tags,
        List<Assessment> assessments) {
}

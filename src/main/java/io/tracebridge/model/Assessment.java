package io.tracebridge.model;

import java.util.Map;

/**
 * MLflow assessment (docs/mlflow-compatibility.md §1.6). Exactly one of {@code feedbackValueJson} (with optional
 * {@code errorJson}) or {@code expectationValueJson} / serialized expectation is meaningful,
 * chosen by {@code kind}. Values are kept as JSON text so every JSON type round-trips.
 */
public record Assessment(
        String assessmentId,
        String traceId,
        String name,
        Kind kind,
        String valueJson,
        String errorJson,
        String serializedFormat,
        String rationale,
        String sourceType,
        String sourceId,
        String spanId,
        Map<String, String> metadata,
        String overrides,
        boolean valid,
        long createTimeMs,
        long lastUpdateTimeMs) {

    public enum Kind {
        FEEDBACK,
        EXPECTATION
    }
}

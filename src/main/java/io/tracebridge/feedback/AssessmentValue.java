package io.tracebridge.feedback;

/**
 * An assessment's value in stored form: the value as JSON text, a feedback's error as JSON text,
 * and an expectation's serialization format (docs/mlflow-compatibility.md §1.6).
 */
public record AssessmentValue(String json, String errorJson, String serializedFormat) {
}

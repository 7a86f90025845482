package io.tracebridge.model;

/** Reserved trace tag keys (MLflow {@code TraceTagKey}, docs/mlflow-compatibility.md §2.2). */
public final class TraceTagKeys {
    public static final String TRACE_NAME = "mlflow.traceName";
    public static final String ARTIFACT_LOCATION = "mlflow.artifactLocation";
    public static final String SPANS_LOCATION = "mlflow.trace.spansLocation";
    public static final String SPANS_LOCATION_TRACKING_STORE = "TRACKING_STORE";

    private TraceTagKeys() {
    }
}

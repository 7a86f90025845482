package io.tracebridge.model;

/** Reserved span attribute keys (MLflow {@code SpanAttributeKey}, docs/mlflow-compatibility.md §1.5). */
public final class SpanAttributeKeys {
    public static final String TRACE_REQUEST_ID = "mlflow.traceRequestId";
    public static final String SPAN_TYPE = "mlflow.spanType";
    public static final String SPAN_INPUTS = "mlflow.spanInputs";
    public static final String SPAN_OUTPUTS = "mlflow.spanOutputs";
    public static final String TRACE_TAG_PREFIX = "mlflow.traceTag.";
    public static final String TRACE_METADATA_PREFIX = "mlflow.traceMetadata.";

    private SpanAttributeKeys() {
    }
}

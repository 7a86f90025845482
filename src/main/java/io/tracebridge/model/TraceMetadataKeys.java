package io.tracebridge.model;

import java.util.Set;

/** Reserved trace metadata keys (MLflow {@code TraceMetadataKey}, docs/mlflow-compatibility.md §2.1). */
public final class TraceMetadataKeys {
    public static final String SCHEMA_VERSION = "mlflow.trace_schema.version";
    public static final String SOURCE_RUN = "mlflow.sourceRun";
    public static final String MODEL_ID = "mlflow.modelId";
    public static final String TRACE_USER = "mlflow.trace.user";
    public static final String TRACE_SESSION = "mlflow.trace.session";
    public static final String INFO_FINALIZED = "mlflow.trace.infoFinalized";
    public static final String TOKEN_USAGE = "mlflow.trace.tokenUsage";
    public static final String COST = "mlflow.trace.cost";

    /**
     * Metadata keys that a span attribute of the same name sets directly (docs/mlflow-compatibility.md §8.2: reserved
     * MLflow environment-context keys). Session and user are not here: they have their own
     * precedence rules.
     */
    public static final Set<String> SPAN_SETTABLE = Set.of(
            "mlflow.source.type",
            "mlflow.source.name",
            "mlflow.source.git.commit",
            "mlflow.source.git.branch",
            "mlflow.source.git.repoURL",
            "mlflow.user",
            SOURCE_RUN,
            MODEL_ID);

    private TraceMetadataKeys() {
    }
}

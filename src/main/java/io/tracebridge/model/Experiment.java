package io.tracebridge.model;

import java.util.Map;

/** MLflow experiment (docs/mlflow-compatibility.md §1.2). Times are epoch milliseconds. */
public record Experiment(
        String experimentId,
        String name,
        String artifactLocation,
        String lifecycleStage,
        long creationTime,
        long lastUpdateTime,
        Map<String, String> tags) {

    public static final String ACTIVE = "active";
    public static final String DELETED = "deleted";

    public boolean isActive() {
        return ACTIVE.equals(lifecycleStage);
    }
}

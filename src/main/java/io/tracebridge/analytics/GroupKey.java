package io.tracebridge.analytics;

import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceMetadataKeys;

/**
 * The {@code group_by} of the feedback aggregates: a metadata or tag key, written as in filters
 * ({@code metadata.app_version}, {@code tag.environment}, {@code tags.`a.b`}). Session and user
 * are metadata to MLflow but trace columns here, so grouping by them reads the column.
 */
public record GroupKey(Source source, String key) {
    public enum Source { METADATA, TAG, SESSION, USER }

    public static GroupKey parse(String groupBy) {
        if (groupBy == null || groupBy.isBlank()) {
            return null;
        }
        String s = groupBy.trim();
        int dot = s.indexOf('.');
        String prefix = dot < 0 ? "" : s.substring(0, dot);
        String key = dot < 0 ? "" : s.substring(dot + 1);
        if (key.length() >= 2 && key.startsWith("`") && key.endsWith("`")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty() || key.length() > 250) {
            throw invalid(groupBy);
        }
        return switch (prefix) {
            case "metadata", "request_metadata" -> switch (key) {
                case TraceMetadataKeys.TRACE_SESSION -> new GroupKey(Source.SESSION, key);
                case TraceMetadataKeys.TRACE_USER -> new GroupKey(Source.USER, key);
                default -> new GroupKey(Source.METADATA, key);
            };
            case "tag", "tags" -> new GroupKey(Source.TAG, key);
            default -> throw invalid(groupBy);
        };
    }

    private static MlflowException invalid(String groupBy) {
        return MlflowException.invalid("Invalid group_by '" + groupBy
                + "'. Expected metadata.<key> or tag.<key>, e.g. metadata.app_version");
    }

    /** A LEFT JOIN exposing the group value as {@code g.value} for the trace {@code traceId}; the key is {@code param}. */
    String join(String traceId, String param) {
        return switch (source) {
            case METADATA -> " LEFT JOIN trace_metadata g ON g.trace_id = " + traceId + " AND g.key = " + param;
            case TAG -> " LEFT JOIN trace_tags g ON g.trace_id = " + traceId + " AND g.key = " + param;
            case SESSION, USER -> " LEFT JOIN LATERAL (SELECT tr." + (source == Source.SESSION ? "session_id" : "user_id")
                    + " AS value FROM traces tr WHERE tr.trace_id = " + traceId + " AND " + param
                    + "::varchar IS NOT NULL) g ON true";
        };
    }

    /**
     * Whether {@code feedback_rollup} holds this key: metadata and tag keys but the reserved
     * {@code mlflow.*} ones that hold one value per trace (the SQL function {@code tb_rollup_key}
     * of migration V5 is the same rule).
     */
    boolean rolledUp() {
        return (source == Source.METADATA || source == Source.TAG)
                && (!key.startsWith("mlflow.") || ROLLED_UP_RESERVED.contains(key));
    }

    /** The reserved keys that are rolled up; tb_rollup_key lists the same (SchemaRulesAgreeTest). */
    static final java.util.Set<String> ROLLED_UP_RESERVED = java.util.Set.of("mlflow.source.type",
            "mlflow.source.name", "mlflow.traceName", "mlflow.user", "mlflow.modelId");

    /** The {@code dim} of this key's rows in {@code feedback_rollup}. */
    String rollupDim() {
        return source == Source.TAG ? "t" : "m";
    }

    /** As the request spelled it, normalised: {@code metadata.<key>} or {@code tag.<key>}. */
    public String display() {
        return (source == Source.TAG ? "tag." : "metadata.") + key;
    }
}

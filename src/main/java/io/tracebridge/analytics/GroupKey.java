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

    /** As the request spelled it, normalised: {@code metadata.<key>} or {@code tag.<key>}. */
    public String display() {
        return (source == Source.TAG ? "tag." : "metadata.") + key;
    }
}

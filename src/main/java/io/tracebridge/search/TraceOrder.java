package io.tracebridge.search;

import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceTagKeys;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code order_by} (contract §5.3): {@code <key> [ASC|DESC]}; appends the defaults
 * {@code timestamp_ms DESC, request_id ASC} unless present. The trace ID makes the order total,
 * which keyset paging needs. Missing values sort last in either direction.
 */
final class TraceOrder {
    private static final Pattern CLAUSE = Pattern.compile(
            "^\\s*((?:[A-Za-z_]+\\.)?(?:`[^`]+`|\"[^\"]+\"|[A-Za-z0-9_.\\-]+))\\s*(?:\\s(\\S+))?\\s*$");

    private TraceOrder() {
    }

    static List<OrderKey> parse(List<String> orderBy, SqlParams params) {
        List<OrderKey> keys = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String clause : orderBy == null ? List.<String>of() : orderBy) {
            Matcher m = CLAUSE.matcher(clause == null ? "" : clause);
            if (!m.matches()) {
                throw MlflowException.invalid("Invalid order_by clause '" + clause + "'. "
                        + "Expected '<key> [ASC|DESC]'.");
            }
            String dir = m.group(2) == null ? "ASC" : m.group(2).toUpperCase(Locale.ROOT);
            if (!dir.equals("ASC") && !dir.equals("DESC")) {
                throw MlflowException.invalid("Invalid ordering key in order_by clause '" + clause + "'.");
            }
            OrderKey key = key(m.group(1), dir.equals("DESC"), params);
            if (seen.contains(key.name())) {
                throw MlflowException.invalid("`order_by` contains duplicate fields: " + orderBy);
            }
            seen.add(key.name());
            keys.add(key);
        }
        if (!seen.contains("timestamp_ms")) {
            keys.add(new OrderKey("timestamp_ms", "t.request_time", true, true, false));
        }
        if (!seen.contains("request_id")) {
            keys.add(new OrderKey("request_id", "t.trace_id", false, false, false));
        }
        return keys;
    }

    private static OrderKey key(String ident, boolean desc, SqlParams params) {
        int dot = ident.indexOf('.');
        String prefix = dot < 0 ? null : ident.substring(0, dot).toLowerCase(Locale.ROOT);
        String key = unquote(dot < 0 ? ident : ident.substring(dot + 1));
        if (prefix == null || prefix.equals("attribute") || prefix.equals("attributes") || prefix.equals("trace")) {
            return switch (key) {
                case "timestamp", "timestamp_ms" -> new OrderKey("timestamp_ms", "t.request_time", true, desc, false);
                case "execution_time", "execution_time_ms" ->
                        new OrderKey("execution_time_ms", "(t.end_time - t.request_time)", true, desc);
                case "end_time", "end_time_ms" ->
                        new OrderKey("end_time_ms", "COALESCE(t.end_time, t.request_time)", true, desc, false);
                case "status" -> new OrderKey("status", "t.state", false, desc, false);
                case "request_id" -> new OrderKey("request_id", "t.trace_id", false, desc, false);
                case "client_request_id" -> new OrderKey("client_request_id", "t.client_request_id", false, desc);
                case "experiment_id" -> new OrderKey("experiment_id", "t.experiment_id", true, desc, false);
                case "name" -> new OrderKey("name", tagValue(TraceTagKeys.TRACE_NAME, params), false, desc);
                case "run_id" -> new OrderKey("run_id", metadataValue(TraceMetadataKeys.SOURCE_RUN, params), false, desc);
                default -> throw MlflowException.invalid("Invalid order_by key '" + ident + "'. Valid keys are "
                        + "timestamp_ms, execution_time_ms, end_time_ms, status, request_id, client_request_id, "
                        + "experiment_id, name, run_id, tag.<key>, metadata.<key>.");
            };
        }
        switch (prefix) {
            case "tag", "tags":
                return new OrderKey("tag." + key, tagValue(key, params), false, desc);
            case "metadata", "request_metadata":
                if (key.equals(TraceMetadataKeys.TOKEN_USAGE) || key.equals(TraceMetadataKeys.COST)) {
                    throw MlflowException.invalid("Ordering by metadata key '" + key + "' is not supported.");
                }
                if (key.equals(TraceMetadataKeys.TRACE_SESSION)) {
                    return new OrderKey("metadata." + key, "t.session_id", false, desc);
                }
                if (key.equals(TraceMetadataKeys.TRACE_USER)) {
                    return new OrderKey("metadata." + key, "t.user_id", false, desc);
                }
                return new OrderKey("metadata." + key, metadataValue(key, params), false, desc);
            default:
                throw MlflowException.invalid("Invalid order_by entity type '" + prefix
                        + "'. Valid values are attribute, tag, metadata.");
        }
    }

    private static String tagValue(String key, SqlParams params) {
        return "(SELECT g.value FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = " + params.text(key) + ")";
    }

    private static String metadataValue(String key, SqlParams params) {
        return "(SELECT m.value FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                + params.text(key) + ")";
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '`' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}

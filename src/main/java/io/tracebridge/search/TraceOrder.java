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
 * Parses {@code order_by}: {@code <key> [ASC|DESC]}; appends the defaults
 * {@code timestamp_ms DESC, request_id ASC} unless present. The trace ID makes the order total,
 * which keyset paging needs. Missing values sort last in either direction. Errors have MLflow's
 * words ({@code SearchTraceUtils.parse_order_by_for_search_traces} and the SQL store's
 * {@code _get_orderby_clauses_for_search_traces}); Tracebridge also orders by
 * {@code client_request_id}, accepts surrounding blanks and any case in the prefix.
 */
final class TraceOrder {
    private static final Pattern CLAUSE = Pattern.compile(
            "^\\s*((?:`?[A-Za-z_]+`?\\.)?(?:`[^`]+`|\"[^\"]+\"|[A-Za-z0-9_.\\-]+))\\s*(?:\\s(\\S+))?\\s*$");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private TraceOrder() {
    }

    static List<OrderKey> parse(List<String> orderBy, SqlParams params) {
        List<OrderKey> keys = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String clause : orderBy == null ? List.<String>of() : orderBy) {
            String text = clause == null ? "" : clause;
            Matcher m = CLAUSE.matcher(text);
            // MLflow's SQL tokenizer must see one identifier, with at most one word after it.
            if (!m.matches() || (m.group(2) != null && !WORD.matcher(m.group(2)).matches())) {
                throw MlflowMessages.orderByNotParsed(text);
            }
            String dir = m.group(2) == null ? "ASC" : m.group(2).toUpperCase(Locale.ROOT);
            if (!dir.equals("ASC") && !dir.equals("DESC")) {
                throw MlflowMessages.invalidOrderingKey(text);
            }
            OrderKey key = key(m.group(1), dir.equals("DESC"), params);
            if (seen.contains(key.name())) {
                throw MlflowMessages.duplicateOrderBy(orderBy.stream().map(String::valueOf).toList());
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
        int dot = prefixDot(ident);
        String written = dot < 0 ? null : unquote(ident.substring(0, dot));
        String prefix = written == null ? null : written.toLowerCase(Locale.ROOT);
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
                default -> throw MlflowMessages.invalidAttributeKey(key, MlflowMessages.ORDER_BY_ATTRIBUTE_KEYS);
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
            case "span", "feedback", "expectation":
                throw MlflowMessages.invalidOrderByIdentifierType(prefix);
            default:
                throw MlflowMessages.invalidEntityType(written);
        }
    }

    /** Where the prefix ends: the first dot outside a quoted name, or -1. */
    private static int prefixDot(String ident) {
        char q = ident.charAt(0);
        if (q == '`' || q == '"') {
            int close = ident.indexOf(q, 1);
            return close > 0 && close + 1 < ident.length() && ident.charAt(close + 1) == '.' ? close + 1 : -1;
        }
        return ident.indexOf('.');
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

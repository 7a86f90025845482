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

    static List<SortKey> parse(List<String> orderBy) {
        List<SortKey> keys = new ArrayList<>();
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
            SortKey key = key(m.group(1), dir.equals("DESC"));
            if (seen.contains(key.name())) {
                throw MlflowMessages.duplicateOrderBy(orderBy.stream().map(String::valueOf).toList());
            }
            seen.add(key.name());
            keys.add(key);
        }
        if (!seen.contains("timestamp_ms")) {
            keys.add(SortKey.of("timestamp_ms", SortKey.Field.REQUEST_TIME, true, true, false));
        }
        if (!seen.contains("request_id")) {
            keys.add(SortKey.of("request_id", SortKey.Field.TRACE_ID, false, false, false));
        }
        return keys;
    }

    private static SortKey key(String ident, boolean desc) {
        int dot = prefixDot(ident);
        String written = dot < 0 ? null : unquote(ident.substring(0, dot));
        String prefix = written == null ? null : written.toLowerCase(Locale.ROOT);
        String key = unquote(dot < 0 ? ident : ident.substring(dot + 1));
        if (prefix == null || prefix.equals("attribute") || prefix.equals("attributes") || prefix.equals("trace")) {
            return switch (key) {
                case "timestamp", "timestamp_ms" -> SortKey.of("timestamp_ms", SortKey.Field.REQUEST_TIME, true, desc, false);
                case "execution_time", "execution_time_ms" ->
                        SortKey.of("execution_time_ms", SortKey.Field.EXECUTION_TIME, true, desc, true);
                case "end_time", "end_time_ms" -> SortKey.of("end_time_ms", SortKey.Field.END_TIME, true, desc, false);
                case "status" -> SortKey.of("status", SortKey.Field.STATE, false, desc, false);
                case "request_id" -> SortKey.of("request_id", SortKey.Field.TRACE_ID, false, desc, false);
                case "client_request_id" -> SortKey.of("client_request_id", SortKey.Field.CLIENT_REQUEST_ID, false, desc, true);
                case "experiment_id" -> SortKey.of("experiment_id", SortKey.Field.EXPERIMENT_ID, true, desc, false);
                case "name" -> new SortKey("name", SortKey.Field.TAG, TraceTagKeys.TRACE_NAME, false, desc, true);
                case "run_id" -> new SortKey("run_id", SortKey.Field.METADATA, TraceMetadataKeys.SOURCE_RUN, false, desc, true);
                default -> throw MlflowMessages.invalidAttributeKey(key, MlflowMessages.ORDER_BY_ATTRIBUTE_KEYS);
            };
        }
        switch (prefix) {
            case "tag", "tags":
                return new SortKey("tag." + key, SortKey.Field.TAG, key, false, desc, true);
            case "metadata", "request_metadata":
                if (key.equals(TraceMetadataKeys.TOKEN_USAGE) || key.equals(TraceMetadataKeys.COST)) {
                    throw MlflowException.invalid("Ordering by metadata key '" + key + "' is not supported.");
                }
                if (key.equals(TraceMetadataKeys.TRACE_SESSION)) {
                    return new SortKey("metadata." + key, SortKey.Field.SESSION, null, false, desc, true);
                }
                if (key.equals(TraceMetadataKeys.TRACE_USER)) {
                    return new SortKey("metadata." + key, SortKey.Field.USER, null, false, desc, true);
                }
                return new SortKey("metadata." + key, SortKey.Field.METADATA, key, false, desc, true);
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

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '`' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}

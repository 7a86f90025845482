package io.tracebridge.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceTagKeys;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Validates parsed filter clauses against MLflow's trace search keys (docs/mlflow-compatibility.md §5.2, decisions
 * §8.1 and §8.8) and compiles them to SQL conditions on {@code traces t}. Every value is a bind
 * parameter; keys become parameters too, never SQL text. All {@code span.*} clauses of one
 * filter must hold for the same span (one correlated EXISTS).
 */
final class TraceFilterCompiler {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<Comparator> STRING_OPS = EnumSet.of(Comparator.EQ, Comparator.NE,
            Comparator.LIKE, Comparator.ILIKE, Comparator.RLIKE);
    private static final Set<Comparator> LIST_OPS = EnumSet.of(Comparator.IN, Comparator.NOT_IN);
    private static final Set<Comparator> NULL_OPS = EnumSet.of(Comparator.IS_NULL, Comparator.IS_NOT_NULL);
    private static final Set<Comparator> NUMERIC_OPS = EnumSet.of(Comparator.EQ, Comparator.NE,
            Comparator.LT, Comparator.LE, Comparator.GT, Comparator.GE);
    private static final Set<Comparator> TAG_OPS = union(STRING_OPS, NULL_OPS);
    private static final Set<Comparator> SPAN_OPS = union(STRING_OPS, LIST_OPS);
    /** MLflow's search keys, and {@code prompt}, which Tracebridge accepts too (newer MLflow has it). */
    private static final Set<String> ATTRIBUTE_KEYS = Stream.concat(MlflowMessages.SEARCH_ATTRIBUTE_KEYS.stream(),
            Stream.of("prompt")).collect(Collectors.toUnmodifiableSet());

    private final SqlParams params;
    private final List<String> conditions = new ArrayList<>();
    private final List<String> spanConditions = new ArrayList<>();

    private TraceFilterCompiler(SqlParams params) {
        this.params = params;
    }

    /**
     * SQL conditions (to be AND-ed) for the filter string. Like MLflow, it first checks every
     * clause the way MLflow's parser does (prefixes, keys, values, span keys), then the
     * comparators the way MLflow's SQL store does, so the first error reported is the one MLflow
     * reports.
     */
    static List<String> compile(String filter, SqlParams params) {
        TraceFilterCompiler c = new TraceFilterCompiler(params);
        List<Clause> clauses = FilterParser.parse(filter);
        for (Clause clause : clauses) {
            check(clause);
        }
        for (Clause clause : clauses) {
            c.clause(clause);
        }
        if (!c.spanConditions.isEmpty()) {
            c.conditions.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND "
                    + String.join(" AND ", c.spanConditions) + ")");
        }
        return c.conditions;
    }

    /** MLflow's type for the clause's prefix ({@code SearchTraceUtils._valid_entity_type}); also {@code issue}. */
    private static String type(Clause c) {
        String prefix = c.prefix() == null ? "attribute" : c.prefix().toLowerCase(Locale.ROOT);
        return switch (prefix) {
            case "attribute", "attributes", "trace" -> "attribute";
            case "tag", "tags" -> "tag";
            case "metadata", "request_metadata" -> "request_metadata";
            case "span", "feedback", "expectation", "issue" -> prefix;
            default -> throw MlflowMessages.invalidEntityType(c.prefix());
        };
    }

    /**
     * What MLflow's parser rejects ({@code SearchTraceUtils._process_statement},
     * {@code _get_identifier}, {@code _get_value}, and {@code is_span} for span keys), with its
     * messages. Tracebridge's supersets pass: IS [NOT] NULL on tags, metadata, feedback,
     * expectations (and name, run_id); numbers and unquoted words for feedback and expectations.
     */
    private static void check(Clause c) {
        String type = type(c);
        boolean nullCheck = NULL_OPS.contains(c.comparator());
        if (nullCheck && !acceptsNull(type, c.key())) {
            // MLflow 3.6 has no IS NULL: its tokenizer leaves the words outside any comparison.
            List<String> tokens = new ArrayList<>();
            tokens.add(c.source() == null ? c.identifier() : c.source().identifier());
            tokens.addAll(c.source() == null ? List.of(c.op()) : c.source().opTokens());
            throw MlflowMessages.invalidClauses(tokens);
        }
        switch (type) {
            case "attribute" -> checkAttribute(c);
            case "tag" -> checkStringValue(c, "tag", true);
            case "request_metadata" -> checkStringValue(c, "request_metadata", false);
            case "span" -> {
                checkStringValue(c, "span", true);
                checkSpanKey(c);
            }
            case "feedback", "expectation" -> {
                if (c.isList()) {
                    throw MlflowMessages.expectedQuotedString(type, c.valueText());
                }
                if (!nullCheck && !c.quoted() && c.valueText().startsWith("`")) {
                    throw MlflowMessages.notQuoted(c.valueText());
                }
            }
            default -> {
                // issue: checked when compiled
            }
        }
    }

    private static boolean acceptsNull(String type, String key) {
        return switch (type) {
            case "tag", "request_metadata", "feedback", "expectation" -> true;
            case "attribute" -> key.equals("name") || key.equals("run_id");
            default -> false;
        };
    }

    /** {@code SearchUtils._get_identifier} and {@code SearchTraceUtils._get_value} for attributes. */
    private static void checkAttribute(Clause c) {
        String key = c.key();
        if (!ATTRIBUTE_KEYS.contains(key)) {
            throw MlflowMessages.invalidAttributeKey(key, MlflowMessages.SEARCH_ATTRIBUTE_KEYS);
        }
        if (NULL_OPS.contains(c.comparator())) {
            return;
        }
        if (c.isList()) {
            if (!MlflowMessages.IN_ATTRIBUTE_KEYS.contains(key)) {
                throw MlflowMessages.listForAttribute();
            }
            if (c.value() instanceof Clause.InvalidList bad) {
                throw MlflowException.invalid(bad.message());
            }
            return;
        }
        boolean numeric = MlflowMessages.NUMERIC_ATTRIBUTES.contains(key);
        if (c.value() instanceof BigDecimal) {
            if (!numeric) {
                throw MlflowMessages.numberForStringAttribute();
            }
            return;
        }
        if (!c.quoted()) {
            throw MlflowMessages.notQuoted(c.valueText());
        }
        if (numeric && !isNumber(String.valueOf(c.value()))) {
            throw MlflowMessages.expectedNumericAttribute(key, c.valueText());
        }
    }

    /** {@code SearchTraceUtils._get_value} for tag, request_metadata and span values. */
    private static void checkStringValue(Clause c, String type, boolean listsAllowed) {
        if (NULL_OPS.contains(c.comparator())) {
            return;
        }
        if (c.isList()) {
            if (!listsAllowed) {
                throw MlflowMessages.expectedQuotedString(type, c.valueText());
            }
            if (c.value() instanceof Clause.InvalidList bad) {
                throw MlflowException.invalid(bad.message());
            }
            return;
        }
        if (c.value() instanceof BigDecimal) {
            throw MlflowMessages.expectedQuotedString(type, c.valueText());
        }
        if (!c.quoted()) {
            throw MlflowMessages.notQuoted(c.valueText());
        }
    }

    /** {@code SearchTraceUtils.is_span}, which MLflow's parser calls with the comparator as written. */
    private static void checkSpanKey(Clause c) {
        String key = c.key();
        if (key.startsWith("attributes.") || key.equals("name") || key.equals("type") || key.equals("status")) {
            if (key.equals("attributes.")) {
                throw MlflowMessages.emptySpanAttribute();
            }
            if (!SPAN_OPS.contains(c.comparator())) {
                throw MlflowMessages.spanComparator(key, c.op());
            }
        } else if (key.equals("content")) {
            if (c.comparator() != Comparator.LIKE && c.comparator() != Comparator.ILIKE) {
                throw MlflowMessages.spanContentComparator(c.op());
            }
        } else {
            throw MlflowMessages.invalidSpanAttribute(key);
        }
    }

    private static boolean isNumber(String s) {
        try {
            new BigDecimal(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The comparator as MLflow's SQL store prints it: upper-cased. */
    private static String storeOp(Clause c) {
        return c.op().toUpperCase(Locale.ROOT);
    }

    private void clause(Clause c) {
        switch (type(c)) {
            case "attribute" -> attribute(c);
            case "tag" -> conditions.add(tag(c, c.key()));
            case "request_metadata" -> conditions.add(metadata(c, c.key()));
            case "span" -> span(c);
            case "feedback" -> conditions.add(assessment(c, "FEEDBACK"));
            case "expectation" -> conditions.add(assessment(c, "EXPECTATION"));
            default -> issue(c);
        }
    }

    private void attribute(Clause c) {
        switch (c.key()) {
            case "request_id" -> conditions.add(stringOrList(c, "t.trace_id"));
            case "client_request_id" -> conditions.add(stringOrList(c, "t.client_request_id"));
            case "status" -> conditions.add(stringOrList(c, "t.state"));
            case "timestamp", "timestamp_ms" -> conditions.add(numeric(c, "t.request_time"));
            case "execution_time", "execution_time_ms" -> conditions.add(numeric(c, "(t.end_time - t.request_time)"));
            case "end_time", "end_time_ms" -> conditions.add(numeric(c, "COALESCE(t.end_time, t.request_time)"));
            case "name" -> conditions.add(LIST_OPS.contains(c.comparator())
                    ? "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = "
                    + params.text(TraceTagKeys.TRACE_NAME) + " AND " + listCondition(c, "g.value") + ")"
                    : tag(c, TraceTagKeys.TRACE_NAME));
            case "run_id" -> conditions.add(LIST_OPS.contains(c.comparator())
                    ? "EXISTS (SELECT 1 FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                    + params.text(TraceMetadataKeys.SOURCE_RUN) + " AND " + listCondition(c, "m.value") + ")"
                    : metadata(c, TraceMetadataKeys.SOURCE_RUN));
            case "prompt" -> conditions.add(prompt(c));
            case "text" -> {
                // MLflow maps trace.text to span.content (SearchTraceUtils.SEARCH_KEY_TO_SPAN).
                if (c.comparator() != Comparator.LIKE && c.comparator() != Comparator.ILIKE) {
                    throw MlflowMessages.spanContentComparator(storeOp(c));
                }
                conditions.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND "
                        + stringCondition(c, "s.content") + ")");
            }
            default -> throw MlflowMessages.invalidAttributeKey(c.key(), MlflowMessages.SEARCH_ATTRIBUTE_KEYS);
        }
    }

    /** request_id, client_request_id, status (and span name, type, status): string comparators or a list. */
    private String stringOrList(Clause c, String column) {
        if (LIST_OPS.contains(c.comparator())) {
            return listCondition(c, column);
        }
        if (!STRING_OPS.contains(c.comparator())) {
            throw "span".equals(type(c)) ? MlflowMessages.spanComparator(c.key(), c.op())
                    : MlflowMessages.stringAttributeComparator(storeOp(c));
        }
        return stringCondition(c, column);
    }

    private String listCondition(Clause c, String column) {
        if (c.value() instanceof Clause.InvalidList bad) {
            throw MlflowException.invalid(bad.message());
        }
        if (!(c.value() instanceof List<?>)) {
            throw MlflowMessages.invalidClauses(List.of(c.identifier(), c.op(), c.valueText()));
        }
        String p = params.add(c.listValue().toArray(String[]::new), "text[]");
        return c.comparator() == Comparator.IN ? column + " = ANY(" + p + ")" : column + " <> ALL(" + p + ")";
    }

    private String stringCondition(Clause c, String column) {
        String v = params.text(quotedString(c));
        return switch (c.comparator()) {
            case EQ -> column + " = " + v;
            case NE -> column + " <> " + v;
            case LIKE -> column + " LIKE " + v;
            case ILIKE -> column + " ILIKE " + v;
            case RLIKE -> column + " ~ " + v;
            default -> throw new IllegalStateException(c.comparator().name());
        };
    }

    private String numeric(Clause c, String column) {
        if (LIST_OPS.contains(c.comparator())) {
            throw MlflowMessages.listForAttribute();
        }
        if (!NUMERIC_OPS.contains(c.comparator())) {
            throw MlflowMessages.numericAttributeComparator(storeOp(c));
        }
        return column + " " + c.comparator().sqlOperator() + " " + number(c);
    }

    private String number(Clause c) {
        BigDecimal n;
        if (c.value() instanceof BigDecimal b) {
            n = b;
        } else {
            try {
                n = new BigDecimal(String.valueOf(c.value()).trim());
            } catch (NumberFormatException e) {
                String type = type(c);
                if (type.equals("feedback") || type.equals("expectation")) {
                    // Tracebridge compares feedback numerically (MLflow 3.6 does not); the
                    // words follow SearchUtils._get_value's for metrics.
                    throw MlflowException.invalid("Expected numeric value type for " + type + ". Found "
                            + c.valueText());
                }
                throw MlflowMessages.expectedNumericAttribute(c.key(), c.valueText());
            }
        }
        try {
            return params.add(n.longValueExact(), "bigint");
        } catch (ArithmeticException e) {
            return params.add(n.doubleValue(), "float8");
        }
    }

    /**
     * Tag filter. For the reserved keys {@code mlflow.trace.user} and {@code mlflow.trace.session},
     * a tag filter also matches the metadata value (docs/mlflow-compatibility.md §8.1).
     */
    private String tag(Clause c, String key) {
        if (!TAG_OPS.contains(c.comparator())) {
            throw MlflowMessages.tagComparator(storeOp(c));
        }
        String k = params.text(key);
        String exists = "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = " + k;
        String column = contextColumn(key);
        switch (c.comparator()) {
            case IS_NULL:
                return "NOT " + exists + ")" + (column == null ? "" : " AND " + column + " IS NULL");
            case IS_NOT_NULL:
                return column == null ? exists + ")" : "(" + exists + ") OR " + column + " IS NOT NULL)";
            default:
                if (column == null) {
                    return exists + " AND " + indexedStringCondition(c, "g.value") + ")";
                }
                // Tag or metadata column: a union of two index lookups, since an OR of a
                // subquery and a column condition would make PostgreSQL scan every trace.
                String other = column.replace("t.", "t2.");
                return "t.trace_id IN (SELECT g.trace_id FROM trace_tags g WHERE g.key = " + k + " AND "
                        + indexedStringCondition(c, "g.value") + " UNION ALL SELECT t2.trace_id FROM traces t2 WHERE "
                        + stringCondition(c, other) + ")";
        }
    }

    private String metadata(Clause c, String key) {
        if (!TAG_OPS.contains(c.comparator())) {
            throw MlflowMessages.metadataComparator(storeOp(c));
        }
        String column = contextColumn(key);
        if (column != null) {
            return metadataColumnCondition(c, column);
        }
        String exists = "EXISTS (SELECT 1 FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                + params.text(key);
        return switch (c.comparator()) {
            case IS_NULL -> "NOT " + exists + ")";
            case IS_NOT_NULL -> exists + ")";
            default -> exists + " AND " + indexedStringCondition(c, "m.value") + ")";
        };
    }

    /** Session and user live in indexed columns of {@code traces}. */
    private static String contextColumn(String key) {
        if (TraceMetadataKeys.TRACE_SESSION.equals(key)) {
            return "t.session_id";
        }
        if (TraceMetadataKeys.TRACE_USER.equals(key)) {
            return "t.user_id";
        }
        return null;
    }

    private String metadataColumnCondition(Clause c, String column) {
        return switch (c.comparator()) {
            case IS_NULL -> column + " IS NULL";
            case IS_NOT_NULL -> column + " IS NOT NULL";
            default -> stringCondition(c, column);
        };
    }

    /** Equality also compares the indexed 256-character prefix, so the (key, left(value, 256)) index applies. */
    private String indexedStringCondition(Clause c, String column) {
        if (c.comparator() == Comparator.EQ) {
            return prefixEquals(column, quotedString(c));
        }
        return stringCondition(c, column);
    }

    /**
     * {@code column = value} written so the {@code left(column, 256)} indexes apply. For a value
     * shorter than 256 characters the prefix comparison alone is exact; repeating the full
     * comparison would make the planner square the selectivity and pick bad plans.
     */
    private String prefixEquals(String column, String value) {
        String v = params.text(value);
        String prefix = "left(" + column + ", 256) = " + v;
        return value.length() < 256 ? prefix : prefix + " AND " + column + " = " + v;
    }

    private void span(Clause c) {
        String key = c.key();
        if (key.equals("name") || key.equals("type") || key.equals("status")) {
            String column = key.equals("name") ? "s.name" : key.equals("type") ? "s.span_type" : "s.status";
            if (key.equals("status")) {
                c = normalizeSpanStatus(c);
            }
            spanConditions.add(stringOrList(c, column));
        } else if (key.equals("content")) {
            if (c.comparator() != Comparator.LIKE && c.comparator() != Comparator.ILIKE) {
                throw MlflowMessages.spanContentComparator(c.op());
            }
            spanConditions.add(stringCondition(c, "s.content"));
        } else if (key.startsWith("attributes.") && key.length() > "attributes.".length()) {
            spanConditions.add(spanAttribute(c, key.substring("attributes.".length())));
        } else {
            throw MlflowMessages.invalidSpanAttribute(key);
        }
    }

    private static Clause normalizeSpanStatus(Clause c) {
        if (c.value() instanceof String s && s.toUpperCase(Locale.ROOT).startsWith("STATUS_CODE_")) {
            return c.withValue(s.substring("STATUS_CODE_".length()));
        }
        return c;
    }

    /**
     * Some attribute of the span named {@code name} whose value (the string itself, or the JSON
     * text of other types) matches. {@code =} also matches the JSON-encoded string the MLflow SDK
     * stores, so {@code span.attributes.model = 'gpt-4o'} finds {@code "\"gpt-4o\""}.
     */
    private String spanAttribute(Clause c, String name) {
        String value = "COALESCE(a->'value'->>'string_value', a->'value'->>'int_value', "
                + "a->'value'->>'double_value', a->'value'->>'bool_value', (a->'value')::text)";
        String cond;
        if (LIST_OPS.contains(c.comparator())) {
            cond = listCondition(c, value);
        } else {
            if (!STRING_OPS.contains(c.comparator())) {
                throw MlflowMessages.spanComparator(c.key(), c.op());
            }
            if (c.comparator() == Comparator.EQ || c.comparator() == Comparator.NE) {
                String raw = quotedString(c);
                String v = params.text(raw);
                String json = params.text(jsonString(raw));
                cond = (c.comparator() == Comparator.EQ ? "" : "NOT ") + "(" + value + " = " + v + " OR "
                        + value + " = " + json + ")";
            } else {
                cond = stringCondition(c, value);
            }
        }
        return "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.content::jsonb -> 'attributes') "
                + "= 'array' THEN s.content::jsonb -> 'attributes' ELSE '[]'::jsonb END) a WHERE a->>'key' = "
                + params.text(name) + " AND " + cond + ")";
    }

    /**
     * Valid assessments of that kind and name (docs/mlflow-compatibility.md §8.8). {@code =} matches the JSON value
     * ({@code true}, {@code 5}, {@code "x"}) or the string value; comparisons need a number.
     */
    private String assessment(Clause c, String kind) {
        if (c.key().isEmpty()) {
            throw MlflowMessages.emptyAssessmentName();
        }
        String exists = "EXISTS (SELECT 1 FROM assessments a WHERE a.trace_id = t.trace_id AND a.valid AND a.kind = "
                + params.text(kind) + " AND a.name = " + params.text(c.key());
        switch (c.comparator()) {
            case IS_NULL:
                return "NOT " + exists + ")";
            case IS_NOT_NULL:
                return exists + ")";
            case EQ:
            case NE: {
                String raw = c.value() instanceof BigDecimal b ? b.toPlainString() : String.valueOf(c.value());
                if (c.isList()) {
                    throw MlflowMessages.expectedQuotedString(type(c), c.valueText());
                }
                String match = "(" + prefixEquals("a.value_text", raw) + " OR a.value_json = " + params.text(raw) + ")";
                return exists + " AND " + (c.comparator() == Comparator.EQ ? match : "NOT " + match) + ")";
            }
            case LIKE:
            case ILIKE:
            case RLIKE:
                return exists + " AND " + stringCondition(c, "a.value_text") + ")";
            case LT:
            case LE:
            case GT:
            case GE:
                return exists + " AND a.value_number " + c.comparator().sqlOperator() + " " + number(c) + ")";
            default:
                throw MlflowMessages.assessmentComparator(c.key(), storeOp(c));
        }
    }

    /** {@code prompt = "name/version"}: traces linked to that prompt version (tag {@code mlflow.linkedPrompts}). */
    private String prompt(Clause c) {
        if (c.comparator() != Comparator.EQ) {
            throw MlflowException.invalid("Invalid comparator '" + storeOp(c)
                    + "' for prompts filter. Only '=' is supported with format: prompt = \"name/version\"");
        }
        String v = quotedString(c);
        int slash = v.lastIndexOf('/');
        if (slash <= 0 || slash == v.length() - 1) {
            throw MlflowException.invalid("Invalid prompts filter value '" + v
                    + "'. Expected format: prompt = \"name/version\"");
        }
        String name = v.substring(0, slash);
        String version = v.substring(slash + 1);
        // Bound as text and cast: a Java String bound to a jsonb parameter would become a JSON string.
        ArrayNode asString = MAPPER.createArrayNode();
        asString.addObject().put("name", name).put("version", version);
        String cond = "tb_try_jsonb(g.value) @> " + params.text(asString.toString()) + "::jsonb";
        if (version.matches("\\d{1,18}")) {
            ArrayNode asNumber = MAPPER.createArrayNode();
            asNumber.addObject().put("name", name).put("version", Long.parseLong(version));
            cond = "(" + cond + " OR tb_try_jsonb(g.value) @> " + params.text(asNumber.toString()) + "::jsonb)";
        }
        return "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = "
                + params.text("mlflow.linkedPrompts") + " AND " + cond + ")";
    }

    /**
     * {@code issue.id = '...'}: Tracebridge stores no issue assessments, so the clause is checked
     * and then matches no trace.
     */
    private void issue(Clause c) {
        if (!c.key().equals("id")) {
            throw MlflowException.invalid("Invalid issue attribute '" + c.key() + "'. Supported attributes: id");
        }
        if (c.comparator() != Comparator.EQ) {
            throw MlflowException.invalid("Invalid comparator '" + storeOp(c)
                    + "' for issue.id. Only '=' is supported.");
        }
        quotedString(c);
        conditions.add("FALSE");
    }

    private static String quotedString(Clause c) {
        if (c.value() instanceof String s && c.quoted()) {
            return s;
        }
        if (c.value() instanceof String) {
            throw MlflowMessages.notQuoted(c.valueText());
        }
        String type = type(c);
        if (type.equals("attribute")) {
            // SearchTraceUtils._get_value for an attribute value that is neither string, list nor number
            throw MlflowException.invalid("Expected a quoted string value or a list of quoted string values for "
                    + "attributes. Got value " + c.valueText());
        }
        throw MlflowMessages.expectedQuotedString(type, c.valueText());
    }

    private static Set<Comparator> union(Set<Comparator> a, Set<Comparator> b) {
        EnumSet<Comparator> out = EnumSet.copyOf(a);
        out.addAll(b);
        return out;
    }

    private static String jsonString(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

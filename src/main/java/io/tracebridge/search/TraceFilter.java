package io.tracebridge.search;

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
 * Validates parsed filter clauses against MLflow's trace search keys (docs/mlflow-compatibility.md
 * §5.2, decisions §8.1 and §8.8) and turns them into {@link Condition}s of the trace model, with
 * MLflow's error messages. No SQL here: the storage adapter compiles the conditions. All
 * {@code span.*} clauses of one filter must hold for the same span (one {@link Condition.OneSpan}).
 */
final class TraceFilter {
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

    private final List<Condition> conditions = new ArrayList<>();
    private final List<Condition.SpanCondition> spanConditions = new ArrayList<>();

    private TraceFilter() {
    }

    /**
     * The conditions (all must hold) of a filter string. Like MLflow, it first checks every
     * clause the way MLflow's parser does (prefixes, keys, values, span keys), then the
     * comparators the way MLflow's SQL store does, so the first error reported is the one MLflow
     * reports.
     */
    static List<Condition> conditions(String filter) {
        TraceFilter f = new TraceFilter();
        List<Clause> clauses = FilterParser.parse(filter);
        for (Clause clause : clauses) {
            check(clause);
        }
        for (Clause clause : clauses) {
            f.clause(clause);
        }
        if (!f.spanConditions.isEmpty()) {
            f.conditions.add(new Condition.OneSpan(List.copyOf(f.spanConditions)));
        }
        return f.conditions;
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
            case "request_id" -> conditions.add(stringOrList(c, Condition.TraceField.TRACE_ID));
            case "client_request_id" -> conditions.add(stringOrList(c, Condition.TraceField.CLIENT_REQUEST_ID));
            case "status" -> conditions.add(stringOrList(c, Condition.TraceField.STATE));
            case "timestamp", "timestamp_ms" -> conditions.add(numeric(c, Condition.TraceTime.REQUEST_TIME));
            case "execution_time", "execution_time_ms" -> conditions.add(numeric(c, Condition.TraceTime.EXECUTION_TIME));
            case "end_time", "end_time_ms" -> conditions.add(numeric(c, Condition.TraceTime.END_TIME));
            case "name" -> conditions.add(LIST_OPS.contains(c.comparator())
                    ? new Condition.TagIn(TraceTagKeys.TRACE_NAME, c.comparator() == Comparator.NOT_IN, list(c))
                    : tag(c, TraceTagKeys.TRACE_NAME));
            case "run_id" -> conditions.add(LIST_OPS.contains(c.comparator())
                    ? new Condition.MetadataIn(TraceMetadataKeys.SOURCE_RUN, c.comparator() == Comparator.NOT_IN, list(c))
                    : metadata(c, TraceMetadataKeys.SOURCE_RUN));
            case "prompt" -> conditions.add(prompt(c));
            case "text" -> {
                // MLflow maps trace.text to span.content (SearchTraceUtils.SEARCH_KEY_TO_SPAN).
                if (c.comparator() != Comparator.LIKE && c.comparator() != Comparator.ILIKE) {
                    throw MlflowMessages.spanContentComparator(storeOp(c));
                }
                conditions.add(new Condition.AnySpanContent(c.comparator(), quotedString(c)));
            }
            default -> throw MlflowMessages.invalidAttributeKey(c.key(), MlflowMessages.SEARCH_ATTRIBUTE_KEYS);
        }
    }

    /** request_id, client_request_id, status: string comparators or a list. */
    private Condition stringOrList(Clause c, Condition.TraceField field) {
        if (LIST_OPS.contains(c.comparator())) {
            return new Condition.TraceIn(field, c.comparator() == Comparator.NOT_IN, list(c));
        }
        requireStringOp(c);
        return new Condition.TraceText(field, c.comparator(), quotedString(c));
    }

    /** Span name, type, status: string comparators or a list. */
    private Condition.SpanCondition spanStringOrList(Clause c, Condition.SpanField field) {
        if (LIST_OPS.contains(c.comparator())) {
            return new Condition.SpanIn(field, c.comparator() == Comparator.NOT_IN, list(c));
        }
        requireStringOp(c);
        return new Condition.SpanText(field, c.comparator(), quotedString(c));
    }

    private static void requireStringOp(Clause c) {
        if (!STRING_OPS.contains(c.comparator())) {
            throw "span".equals(type(c)) ? MlflowMessages.spanComparator(c.key(), c.op())
                    : MlflowMessages.stringAttributeComparator(storeOp(c));
        }
    }

    /** The clause's list of strings. */
    private static List<String> list(Clause c) {
        if (c.value() instanceof Clause.InvalidList bad) {
            throw MlflowException.invalid(bad.message());
        }
        if (!(c.value() instanceof List<?>)) {
            throw MlflowMessages.invalidClauses(List.of(c.identifier(), c.op(), c.valueText()));
        }
        return List.copyOf(c.listValue());
    }

    private Condition numeric(Clause c, Condition.TraceTime field) {
        if (LIST_OPS.contains(c.comparator())) {
            throw MlflowMessages.listForAttribute();
        }
        if (!NUMERIC_OPS.contains(c.comparator())) {
            throw MlflowMessages.numericAttributeComparator(storeOp(c));
        }
        return new Condition.TraceNumber(field, c.comparator(), number(c));
    }

    /** The clause's number: a {@link Long} when integral and in range, else a {@link Double}. */
    private static Number number(Clause c) {
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
            return n.longValueExact();
        } catch (ArithmeticException e) {
            return n.doubleValue();
        }
    }

    /** Tag filter (IS NULL and IS NOT NULL too). */
    private static Condition tag(Clause c, String key) {
        if (!TAG_OPS.contains(c.comparator())) {
            throw MlflowMessages.tagComparator(storeOp(c));
        }
        return new Condition.Tag(key, c.comparator(), NULL_OPS.contains(c.comparator()) ? null : quotedString(c));
    }

    private static Condition metadata(Clause c, String key) {
        if (!TAG_OPS.contains(c.comparator())) {
            throw MlflowMessages.metadataComparator(storeOp(c));
        }
        return new Condition.Metadata(key, c.comparator(), NULL_OPS.contains(c.comparator()) ? null : quotedString(c));
    }

    private void span(Clause c) {
        String key = c.key();
        if (key.equals("name") || key.equals("type") || key.equals("status")) {
            Condition.SpanField field = key.equals("name") ? Condition.SpanField.NAME
                    : key.equals("type") ? Condition.SpanField.TYPE : Condition.SpanField.STATUS;
            if (key.equals("status")) {
                c = normalizeSpanStatus(c);
            }
            spanConditions.add(spanStringOrList(c, field));
        } else if (key.equals("content")) {
            if (c.comparator() != Comparator.LIKE && c.comparator() != Comparator.ILIKE) {
                throw MlflowMessages.spanContentComparator(c.op());
            }
            spanConditions.add(new Condition.SpanContent(c.comparator(), quotedString(c)));
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

    private static Condition.SpanCondition spanAttribute(Clause c, String name) {
        if (LIST_OPS.contains(c.comparator())) {
            return new Condition.SpanAttribute(name, c.comparator(), null, list(c));
        }
        if (!STRING_OPS.contains(c.comparator())) {
            throw MlflowMessages.spanComparator(c.key(), c.op());
        }
        return new Condition.SpanAttribute(name, c.comparator(), quotedString(c), null);
    }

    /** Valid assessments of that kind and name (docs/mlflow-compatibility.md §8.8). */
    private static Condition assessment(Clause c, String kind) {
        if (c.key().isEmpty()) {
            throw MlflowMessages.emptyAssessmentName();
        }
        switch (c.comparator()) {
            case IS_NULL:
            case IS_NOT_NULL:
                return new Condition.Assessment(kind, c.key(), c.comparator(), null, null);
            case EQ:
            case NE: {
                String raw = c.value() instanceof BigDecimal b ? b.toPlainString() : String.valueOf(c.value());
                if (c.isList()) {
                    throw MlflowMessages.expectedQuotedString(type(c), c.valueText());
                }
                return new Condition.Assessment(kind, c.key(), c.comparator(), raw, null);
            }
            case LIKE:
            case ILIKE:
            case RLIKE:
                return new Condition.Assessment(kind, c.key(), c.comparator(), quotedString(c), null);
            case LT:
            case LE:
            case GT:
            case GE:
                return new Condition.Assessment(kind, c.key(), c.comparator(), null, number(c));
            default:
                throw MlflowMessages.assessmentComparator(c.key(), storeOp(c));
        }
    }

    /** {@code prompt = "name/version"}: traces linked to that prompt version. */
    private static Condition prompt(Clause c) {
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
        return new Condition.Prompt(v.substring(0, slash), v.substring(slash + 1));
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
        conditions.add(new Condition.Nothing());
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
}

package io.tracebridge.search;

import java.util.List;

/**
 * One validated condition of a trace filter, in the terms of MLflow's trace model, not of any
 * storage: the conditions of a {@link TraceQuery} all hold for a trace it finds. Values are
 * the user's, unchanged but for MLflow's normalisations (a span status without its
 * {@code STATUS_CODE_} prefix; a number as {@link Long} when it is integral, else {@link Double}).
 * The storage adapter decides how to evaluate each (for PostgreSQL: {@code store.PgTraceQuery}).
 */
public sealed interface Condition {

    /** Trace fields compared as text. */
    enum TraceField { TRACE_ID, CLIENT_REQUEST_ID, STATE }

    /** Trace times in epoch milliseconds; the execution time is end minus request time, the end time defaults to the request time. */
    enum TraceTime { REQUEST_TIME, EXECUTION_TIME, END_TIME }

    /** Span fields compared as text. */
    enum SpanField { NAME, TYPE, STATUS }

    /** A string comparison: {@code EQ}, {@code NE}, {@code LIKE}, {@code ILIKE} or {@code RLIKE} (a POSIX regular expression). */
    record TraceText(TraceField field, Comparator op, String value) implements Condition {
    }

    /** {@code IN} ({@code negated}: {@code NOT IN}) a list of strings. */
    record TraceIn(TraceField field, boolean negated, List<String> values) implements Condition {
    }

    /** A numeric comparison ({@code EQ NE LT LE GT GE}) with a {@link Long} or {@link Double}. */
    record TraceNumber(TraceTime field, Comparator op, Number value) implements Condition {
    }

    /**
     * A trace tag: a string comparison, or {@code IS_NULL} / {@code IS_NOT_NULL} (value null).
     * For the reserved user and session keys a tag condition also matches the trace's user or
     * session (docs/mlflow-compatibility.md §8.1).
     */
    record Tag(String key, Comparator op, String value) implements Condition {
    }

    /** A tag whose value is (not) in a list (the {@code name IN (...)} attribute). */
    record TagIn(String key, boolean negated, List<String> values) implements Condition {
    }

    /** A trace metadata entry, as {@link Tag}. */
    record Metadata(String key, Comparator op, String value) implements Condition {
    }

    /** A metadata entry whose value is (not) in a list (the {@code run_id IN (...)} attribute). */
    record MetadataIn(String key, boolean negated, List<String> values) implements Condition {
    }

    /** {@code trace.text}: some span's whole content matches a {@code LIKE} or {@code ILIKE} pattern. */
    record AnySpanContent(Comparator op, String pattern) implements Condition {
    }

    /** All of these hold for one and the same span of the trace. */
    record OneSpan(List<SpanCondition> all) implements Condition {
    }

    /**
     * A valid assessment of that kind ({@code FEEDBACK} or {@code EXPECTATION}) and name exists
     * ({@code IS_NOT_NULL}), does not ({@code IS_NULL}), or exists with a value that matches:
     * {@code EQ}/{@code NE} against its JSON or string value ({@code text}), {@code LIKE ILIKE
     * RLIKE} against its string value ({@code text}), {@code LT LE GT GE} numerically ({@code number}).
     */
    record Assessment(String kind, String name, Comparator op, String text, Number number) implements Condition {
    }

    /** The trace is linked to that prompt version (tag {@code mlflow.linkedPrompts}). */
    record Prompt(String name, String version) implements Condition {
    }

    /** Matches no trace ({@code issue.id}: Tracebridge stores no issues). */
    record Nothing() implements Condition {
    }

    /** One condition on a span. */
    sealed interface SpanCondition {
    }

    /** A span field compared as text (as {@link TraceText}). */
    record SpanText(SpanField field, Comparator op, String value) implements SpanCondition {
    }

    /** A span field (not) in a list. */
    record SpanIn(SpanField field, boolean negated, List<String> values) implements SpanCondition {
    }

    /** The span's whole content matches a {@code LIKE} or {@code ILIKE} pattern. */
    record SpanContent(Comparator op, String pattern) implements SpanCondition {
    }

    /**
     * Some attribute of the span with that name has a value (its string, or the JSON text of other
     * types) that matches: a string comparison with {@code value} ({@code EQ}/{@code NE} also match
     * the JSON-encoded string the MLflow SDK stores), or {@code IN}/{@code NOT_IN} {@code values}.
     */
    record SpanAttribute(String name, Comparator op, String value, List<String> values) implements SpanCondition {
    }
}

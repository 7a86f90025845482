package io.tracebridge.search;

import java.util.List;
import java.util.Objects;

/**
 * One parsed filter clause before validation: {@code prefix.key comparator value}.
 * {@code prefix} is null when the identifier had no dot; {@code value} is a {@link String}, a
 * {@link java.math.BigDecimal}, a {@code List<String>}, an {@link InvalidList}, or null for
 * IS [NOT] NULL. {@code quoted} tells whether a string value was written in quotes.
 * {@code source} keeps how the clause was written, for messages that quote it the way MLflow
 * does; it is not part of a clause's identity ({@link #equals} ignores it).
 */
public record Clause(String prefix, String key, Comparator comparator, Object value, boolean quoted, Source source) {

    public Clause(String prefix, String key, Comparator comparator, Object value, boolean quoted) {
        this(prefix, key, comparator, value, quoted, null);
    }

    /**
     * The clause as written: the identifier, the comparator ({@code op}; {@code NOT IN} as one
     * word pair, other keywords as typed) and its tokens, and the value (null for IS [NOT] NULL).
     */
    public record Source(String identifier, String op, List<String> opTokens, String value) {
    }

    /** A parenthesised list that is not a list of strings; {@code message} says why, in MLflow's words. */
    public record InvalidList(String message) {
    }

    @SuppressWarnings("unchecked")
    public List<String> listValue() {
        return (List<String>) value;
    }

    /** The value is a parenthesised list, valid or not. */
    public boolean isList() {
        return value instanceof List<?> || value instanceof InvalidList;
    }

    /** The identifier as the user wrote it, for messages. */
    public String identifier() {
        return prefix == null ? key : prefix + "." + key;
    }

    /** The comparator as written ({@code ==}, {@code like}, {@code NOT IN}, ...). */
    public String op() {
        return source != null ? source.op() : comparator.text();
    }

    /** The value as written (quotes and parentheses included), as MLflow prints a token. */
    public String valueText() {
        if (source != null && source.value() != null) {
            return source.value();
        }
        return String.valueOf(value);
    }

    /** The same clause with another value (same source). */
    public Clause withValue(Object newValue) {
        return new Clause(prefix, key, comparator, newValue, quoted, source);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Clause c && Objects.equals(prefix, c.prefix) && Objects.equals(key, c.key)
                && comparator == c.comparator && Objects.equals(value, c.value) && quoted == c.quoted;
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefix, key, comparator, value, quoted);
    }
}

package io.tracebridge.search;

import java.util.List;

/**
 * One parsed filter clause before validation: {@code prefix.key comparator value}.
 * {@code prefix} is null when the identifier had no dot; {@code value} is a {@link String}, a
 * {@link java.math.BigDecimal}, a {@code List<String>}, or null for IS [NOT] NULL.
 * {@code quoted} tells whether a string value was written in quotes.
 */
public record Clause(String prefix, String key, Comparator comparator, Object value, boolean quoted) {

    @SuppressWarnings("unchecked")
    public List<String> listValue() {
        return (List<String>) value;
    }

    /** The identifier as the user wrote it, for messages. */
    public String identifier() {
        return prefix == null ? key : prefix + "." + key;
    }
}

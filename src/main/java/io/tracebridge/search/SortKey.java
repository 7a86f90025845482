package io.tracebridge.search;

/**
 * One ORDER BY term of a trace search, storage-free: what is sorted on ({@code field}, and the
 * tag or metadata {@code key} for those), its direction, whether its values are numbers (for the
 * page token) and whether a trace can lack a value (those sort last in either direction).
 * {@code name} is how the term is written in a page token's fingerprint.
 */
public record SortKey(String name, Field field, String key, boolean numeric, boolean descending, boolean nullable) {

    public enum Field {
        REQUEST_TIME, EXECUTION_TIME, END_TIME, STATE, TRACE_ID, CLIENT_REQUEST_ID, EXPERIMENT_ID,
        /** A tag's value ({@code key}). */
        TAG,
        /** A metadata entry's value ({@code key}). */
        METADATA,
        SESSION, USER
    }

    static SortKey of(String name, Field field, boolean numeric, boolean descending, boolean nullable) {
        return new SortKey(name, field, null, numeric, descending, nullable);
    }
}

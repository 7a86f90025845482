package io.tracebridge.search;

/**
 * One ORDER BY term of a trace search: SQL expression, whether numeric, direction, and whether
 * it can be NULL. Non-null keys get no NULLS clause, so an index in the same order serves them.
 */
record OrderKey(String name, String sql, boolean numeric, boolean descending, boolean nullable) {

    OrderKey(String name, String sql, boolean numeric, boolean descending) {
        this(name, sql, numeric, descending, true);
    }
}

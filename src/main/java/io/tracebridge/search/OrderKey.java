package io.tracebridge.search;

/** One ORDER BY term of a trace search: SQL expression, whether numeric, and direction. */
record OrderKey(String name, String sql, boolean numeric, boolean descending) {
}

package io.tracebridge.store;

import java.util.List;

/**
 * A compiled trace search: SQL whose values are all bind parameters, and the number of sort-key
 * columns it selects after {@code trace_id} (used to build the next page token).
 */
public record SqlQuery(String sql, List<Object> params, int sortKeyCount) {
}

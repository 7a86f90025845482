package io.tracebridge.search;

import java.util.List;

/**
 * A validated SearchTracesV3 request, in the terms of the trace model and free of SQL (as
 * Jaeger's {@code TraceQueryParams} is): the experiments searched (only active ones match), the
 * filter (all conditions hold), the total order, where the page starts ({@code after}: the sort-key
 * values of the previous page's last trace, or null for the first page) and the page size. The
 * storage adapter compiles it; {@link #pageToken} turns the last trace's sort keys of a full page
 * into the token of the next.
 */
public record TraceQuery(List<Long> experimentIds, List<Condition> filter, List<SortKey> order,
                         List<Object> after, int pageSize, String fingerprint) {

    public TraceQuery {
        experimentIds = List.copyOf(experimentIds);
        filter = List.copyOf(filter);
        order = List.copyOf(order);
    }

    /** The token for the page after a page whose last trace had these sort-key values (in {@link #order}). */
    public String pageToken(List<Object> lastSortKeys) {
        return KeysetToken.encode(lastSortKeys, fingerprint);
    }
}

package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.mapping.TraceDraft;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.search.TraceQuery;

import java.util.List;
import java.util.Map;

/**
 * Trace storage.
 *
 * <p>Guarantees of {@link #write}: all drafts of one call are stored in one transaction, and the
 * returned {@code Uni} completes only after it committed; it fails otherwise and nothing is
 * stored. Writing is idempotent: spans are keyed by (trace_id, span_id), and writing the same
 * drafts again leaves every row as it was. Batches of one trace may arrive in any order and
 * concurrently; trace rows are locked in trace-ID order, so concurrent writers neither lose
 * updates nor deadlock (a deadlock reported by the database is retried).
 */
public interface TraceStore {

    /** A stored trace's info and whether its root span has arrived. */
    record StoredTrace(TraceInfo info, boolean complete) {
    }

    /**
     * One page of search results, in order, and where the next page starts: the sort-key values
     * of this page's last trace (in the query's order), or null on the last page. The caller turns
     * them into a page token ({@code TraceQuery.pageToken}).
     */
    record SearchPage(List<TraceInfo> traces, List<Object> nextAfter) {
    }

    /**
     * Writes the batch in one transaction. A trace belongs to the experiment that created it: the
     * drafts of a trace that another experiment holds are left out whole (nothing of that trace
     * changes), decided under the trace row's lock, so concurrent writers cannot race past it.
     * Spans of a trace that already holds {@code maxSpansPerTrace} spans are left out too (a soft
     * cap: concurrent batches may pass it by a batch).
     */
    Uni<WriteOutcome> write(Experiment experiment, List<TraceDraft> drafts, int maxSpansPerTrace);

    /**
     * What a write left out: the spans over the per-trace cap, and per trace ID of another
     * experiment the number of its spans that were refused.
     */
    record WriteOutcome(int overCapSpans, Map<String, Integer> foreignTraces) {
        public static final WriteOutcome NOTHING_LEFT_OUT = new WriteOutcome(0, Map.of());

        public int foreignSpans() {
            return foreignTraces.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** The experiment a trace belongs to; null when there is no such trace. */
    Uni<Long> experimentOf(String traceId);

    /**
     * The traces found among {@code traceIds}, in no particular order; missing IDs are skipped.
     * Read from the read replica when there is one (a trace it lacks is read from the primary).
     */
    Uni<List<StoredTrace>> getTraces(List<String> traceIds);

    /** The same, from the primary: for answers that must show what the caller has just written. */
    Uni<List<StoredTrace>> getTracesFromPrimary(List<String> traceIds);

    /** Runs a search; a filter value the database rejects (e.g. a bad regex) is INVALID_PARAMETER_VALUE. */
    Uni<SearchPage> search(TraceQuery query);

    /**
     * The same, for a page of a streamed export: it waits for the search budget
     * (TRACEBRIDGE_SEARCH_DB_SHARE) instead of being refused, so a long export goes at the pace
     * the budget allows rather than breaking off.
     */
    Uni<SearchPage> exportPage(TraceQuery query);

    /** Span documents (OTel proto-JSON) per trace ID, each list ordered by start time. */
    Uni<Map<String, List<String>>> getSpans(List<String> traceIds);
}

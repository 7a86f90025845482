package io.tracebridge.traces;

import java.util.List;

/**
 * A parsed DeleteTraces: the traces of the experiment named by ID ({@code traceIds}, null or
 * empty when absent), or the oldest up to {@code maxTimestampMillis}, at most {@code maxTraces}
 * of them (null: all). {@link TraceService#delete} checks that exactly one selection is made.
 */
public record DeleteTraces(long experimentId, List<String> traceIds, Long maxTimestampMillis, Integer maxTraces) {
}

package io.tracebridge.analytics;

import java.util.List;

/**
 * A session's or a user's traces in a time range, summarised.
 *
 * @param id            the session or user ID
 * @param others        for a session its users, for a user its sessions (at most 20)
 * @param otherCount    how many distinct users (of a session) or sessions (of a user)
 * @param usage         tokens, cost and latency of the group's traces
 */
public record GroupStats(String id, long firstTimeMs, long lastTimeMs, long traces, long errorCount,
                         List<String> others, long otherCount, List<FeedbackSummary> feedback, Usage usage) {

    /**
     * @param inputTokens    input tokens over the traces (mlflow.trace.tokenUsage's spans, each counted once)
     * @param cost           US dollars for the tokens of priced models ({@link ModelPrices}); null when none was priced
     * @param unpricedTokens total tokens of models without a price (or of no named model)
     * @param p50LatencyMs   median execution duration of the finished traces; null when none finished
     * @param p95LatencyMs   95th percentile of the same (interpolated, as PostgreSQL's percentile_cont)
     */
    public record Usage(long inputTokens, long outputTokens, long totalTokens, Double cost, long unpricedTokens,
                        Double p50LatencyMs, Double p95LatencyMs) {
    }
}

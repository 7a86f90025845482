package io.tracebridge.analytics;

import java.util.List;

/**
 * A session's or a user's traces in a time range, summarised.
 *
 * @param id            the session or user ID
 * @param others        for a session its users, for a user its sessions (at most 20)
 * @param otherCount    how many distinct users (of a session) or sessions (of a user)
 */
public record GroupStats(String id, long firstTimeMs, long lastTimeMs, long traces, long errorCount,
                         List<String> others, long otherCount, List<FeedbackSummary> feedback) {
}

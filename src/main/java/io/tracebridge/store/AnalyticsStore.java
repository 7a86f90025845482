package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.analytics.ExperimentActivity;
import io.tracebridge.analytics.FeedbackSummary;
import io.tracebridge.analytics.GroupCursor;
import io.tracebridge.analytics.GroupKey;
import io.tracebridge.analytics.GroupStats;
import io.tracebridge.analytics.Grouping;
import io.tracebridge.analytics.Page;
import io.tracebridge.analytics.SessionTurn;
import io.tracebridge.analytics.TimeRange;
import io.tracebridge.analytics.TimelinePoint;

import java.util.List;

/**
 * The analytics queries behind the explorer (docs/analytics-api.md): sessions and users, a
 * session's turns, feedback aggregates and their timeline, each over one experiment and a range
 * of trace request times. Feedback aggregates are exact for any range: whole hours come from the
 * rollup, the partial hours at its ends from the rows.
 */
public interface AnalyticsStore {

    /**
     * Fails with RESOURCE_DOES_NOT_EXIST unless the experiment exists (one primary-key lookup);
     * true when it is active. A deleted experiment's traces are out of the analytics (as out of
     * trace search) until it is restored, so the callers then answer with nothing found.
     */
    Uni<Boolean> requireExperiment(long experimentId);

    /**
     * Sessions or users with activity in the range, in {@code order} (by default most recently
     * active first, then ID descending), at most {@code limit}, after {@code cursor} when given;
     * {@code userId} narrows sessions to one user's.
     */
    Uni<Page<GroupStats>> groups(Grouping grouping, TimeRange range, String userId, int limit, GroupCursor cursor,
                                 io.tracebridge.analytics.GroupOrder order);

    /** A session's traces in request order, at most {@link SessionTurn#MAX_TURNS} + 1 (the caller reports truncation). */
    Uni<List<SessionTurn>> sessionTurns(TimeRange range, String sessionId);

    /** Feedback summaries per name (only {@code name} when given) and, with a key, per value of that key. */
    Uni<List<FeedbackSummary>> feedback(TimeRange range, GroupKey groupBy, String name);

    /**
     * Active experiments, the most recently active first (experiments without traces last, by
     * ID), at most {@code limit}; only those in {@code only} when it is not null. Trace counts
     * stop at {@code countCap}, so that the answer costs at most that many index entries per
     * experiment.
     */
    Uni<List<ExperimentActivity>> experimentActivity(java.util.Set<Long> only, int limit, int countCap);

    /** Feedback per name and bucket of {@code intervalMs} (a whole number of hours). */
    Uni<List<TimelinePoint>> timeline(TimeRange range, String name, long intervalMs);
}

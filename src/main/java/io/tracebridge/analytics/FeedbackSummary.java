package io.tracebridge.analytics;

/**
 * Valid feedback of one name, summarised: how many, how many positive or negative (the SQL
 * function {@code tb_feedback_sign} of migration V5 decides, docs/analytics-api.md), and the mean of the numeric values.
 *
 * @param group the metadata or tag value grouped by, or null (no grouping, or key absent)
 */
public record FeedbackSummary(String name, String group, long count, long positive, long negative, Double mean) {

    /** positive / (positive + negative); null when no value was either. */
    public Double positiveShare() {
        long rated = positive + negative;
        return rated == 0 ? null : Math.round(positive * 10_000.0 / rated) / 10_000.0;
    }
}

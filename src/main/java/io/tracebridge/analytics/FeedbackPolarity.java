package io.tracebridge.analytics;

/**
 * Which feedback values count as positive or negative (docs/analytics-api.md): JSON booleans,
 * and the usual strings for ratings, compared ignoring case. The lists live in one place, the SQL
 * function {@code tb_feedback_sign(value_text)} (migration V5), which the live queries and the
 * triggers keeping {@code feedback_rollup} both call.
 */
final class FeedbackPolarity {
    private FeedbackPolarity() {
    }

    /** SQL aggregate columns over assessments {@code a}: count, positive, negative, numeric count, numeric sum. */
    static String aggregates() {
        return "count(*), count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = 1), "
                + "count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = -1), "
                + "count(a.value_number), sum(a.value_number::numeric)::float8";
    }

    /** The same columns summed over {@code feedback_rollup} rows. */
    static String rollupAggregates() {
        return "sum(cnt)::bigint, sum(pos)::bigint, sum(neg)::bigint, sum(num_cnt)::bigint, sum(num_sum)::float8";
    }
}

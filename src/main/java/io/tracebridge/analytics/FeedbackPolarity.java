package io.tracebridge.analytics;

import java.util.List;

/**
 * Which feedback values count as positive or negative (docs/analytics-api.md): JSON booleans,
 * and the usual strings for ratings, compared ignoring case. The SQL compares the lower-cased
 * {@code value_text} column (the string itself, or the JSON text for other types) with these
 * lists, bound as parameters.
 */
public final class FeedbackPolarity {
    public static final List<String> POSITIVE = List.of("true", "yes", "positive", "good", "pass", "thumbs_up",
            "thumbsup", "up", "👍");
    public static final List<String> NEGATIVE = List.of("false", "no", "negative", "bad", "fail", "thumbs_down",
            "thumbsdown", "down", "👎");

    private FeedbackPolarity() {
    }

    /** SQL aggregate columns over assessments {@code a}: count, positive, negative, mean. */
    static String aggregates(int positiveParam, int negativeParam) {
        return "count(*), count(*) FILTER (WHERE lower(a.value_text) = ANY($" + positiveParam + "::text[])), "
                + "count(*) FILTER (WHERE lower(a.value_text) = ANY($" + negativeParam + "::text[])), "
                + "avg(a.value_number)";
    }
}

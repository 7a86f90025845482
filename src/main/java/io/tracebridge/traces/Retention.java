package io.tracebridge.traces;

import io.tracebridge.model.MlflowException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * How long an experiment's traces are kept (docs/retention.md): the experiment tag
 * {@value #TAG} when it has one, else {@code TRACEBRIDGE_TRACE_RETENTION}. A value is an
 * ISO-8601 duration of at least one minute ({@code P30D}, {@code PT12H}, {@code P1DT6H}) or
 * {@code forever}. MLflow's clients set the tag as any other
 * ({@code MlflowClient.set_experiment_tag(id, "tracebridge.traceRetention", "P30D")}); a value
 * that is not one of those is refused when the tag is set.
 */
public final class Retention {
    /** The experiment tag naming the experiment's retention. */
    public static final String TAG = "tracebridge.traceRetention";
    public static final String FOREVER = "forever";
    private static final Duration SHORTEST = Duration.ofMinutes(1);
    private static final Duration LONGEST = Duration.ofDays(3_652_425);

    private Retention() {
    }

    /**
     * The retention a value names: empty for {@code forever}.
     *
     * @throws IllegalArgumentException when the value is neither
     */
    public static Optional<Duration> parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.toLowerCase(Locale.ROOT).equals(FOREVER)) {
            return Optional.empty();
        }
        Duration d;
        try {
            d = Duration.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value + "' is neither an ISO-8601 duration (e.g. P30D, PT12H) nor '"
                    + FOREVER + "'");
        }
        if (d.compareTo(SHORTEST) < 0) {
            throw new IllegalArgumentException("'" + value + "' is shorter than one minute");
        }
        if (d.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("'" + value + "' is longer than 10,000 years; use '" + FOREVER + "'");
        }
        return Optional.of(d);
    }

    /** The experiment's retention: its tag's value if it has a valid one, else the default. */
    public static Optional<Duration> of(String tagValue, Optional<Duration> byDefault) {
        if (tagValue == null) {
            return byDefault;
        }
        try {
            return parse(tagValue);
        } catch (IllegalArgumentException e) {
            // Only a tag written before validation existed (or straight into the database) can
            // be invalid: keep the experiment's traces rather than guess.
            return Optional.empty();
        }
    }

    /** Refuses an experiment tag {@value #TAG} whose value is not a retention, as MLflow refuses a bad parameter. */
    public static void requireValidTag(String key, String value) {
        if (TAG.equals(key)) {
            try {
                parse(value);
            } catch (IllegalArgumentException e) {
                throw MlflowException.invalid("Invalid value for experiment tag '" + TAG + "': " + e.getMessage());
            }
        }
    }
}

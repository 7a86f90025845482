package io.tracebridge.analytics;

/**
 * An active experiment with how many traces it holds and when the newest one was requested
 * (null: none yet), for the explorer's experiment picker.
 *
 * @param traceCount     exact up to {@code countCap}; at the cap the experiment has at least that many
 * @param countCapped    true when the count stopped at the cap
 */
public record ExperimentActivity(long experimentId, String name, long traceCount, boolean countCapped,
                                 Long lastTraceTimeMs) {
}

package io.tracebridge.analytics;

import io.tracebridge.model.MlflowException;

/** One experiment and a half-open range of trace request times (epoch ms); null ends are open. */
public record TimeRange(long experimentId, Long startMs, Long endMs) {
    public TimeRange {
        if (startMs != null && endMs != null && endMs <= startMs) {
            throw MlflowException.invalid("'end_time_ms' (" + endMs + ") must be after 'start_time_ms' (" + startMs + ")");
        }
    }

    /** The latest request time inside the range. */
    long lastMs() {
        return endMs == null ? Long.MAX_VALUE : endMs - 1;
    }
}

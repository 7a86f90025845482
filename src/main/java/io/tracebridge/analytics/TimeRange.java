package io.tracebridge.analytics;

import io.tracebridge.model.MlflowException;

/** One experiment and a half-open range of trace request times (epoch ms); null ends are open. */
public record TimeRange(long experimentId, Long startMs, Long endMs) {
    /** Year 1 to year 9999, as MLflow's timestamps go; beyond, hour arithmetic could overflow. */
    static final long MIN_MS = -62_135_596_800_000L;
    static final long MAX_MS = 253_402_300_800_000L;

    public TimeRange {
        for (Long t : new Long[] {startMs, endMs}) {
            if (t != null && (t < MIN_MS || t > MAX_MS)) {
                throw MlflowException.invalid("Time " + t + " ms is outside the years 1 to 9999");
            }
        }
        if (startMs != null && endMs != null && endMs <= startMs) {
            throw MlflowException.invalid("'end_time_ms' (" + endMs + ") must be after 'start_time_ms' (" + startMs + ")");
        }
    }

    /** The latest request time inside the range. */
    public long lastMs() {
        return endMs == null ? Long.MAX_VALUE : endMs - 1;
    }
}

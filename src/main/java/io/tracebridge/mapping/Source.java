package io.tracebridge.mapping;

import io.tracebridge.model.TraceIds;

/**
 * Source keys: which span wrote a trace-level value, as a string whose byte order ranks writers
 * of the same {@link Rank} (lower wins). The database compares them with {@code COLLATE "C"}
 * (migration V6), the drafts with {@link String#compareTo}, which agree on these ASCII keys.
 */
public final class Source {
    /** Start times have at most 19 decimal digits (a non-negative long). */
    static final int START_DIGITS = 19;
    /** Resource attributes: behind every span of the same rank. */
    public static final String RESOURCE = "~";
    /** An explicit API call (StartTraceV3): ahead of every span. */
    public static final String EXPLICIT = "";

    private Source() {
    }

    /** Start time in nanoseconds, zero-padded to 19 digits, then the 16 hex digits of the span ID. */
    static String of(long startNanos, byte[] spanId) {
        String start = Long.toString(startNanos);
        StringBuilder b = new StringBuilder(START_DIGITS + 16);
        for (int i = start.length(); i < START_DIGITS; i++) {
            b.append('0');
        }
        return b.append(start).append(TraceIds.hex(spanId)).toString();
    }

    /** Lower wins; a null key (a value stored before source keys existed) loses to any key. */
    static int compare(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return a.compareTo(b);
    }
}

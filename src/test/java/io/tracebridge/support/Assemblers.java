package io.tracebridge.support;

import io.tracebridge.mapping.SpanLimiter;
import io.tracebridge.mapping.TraceAssembler;

/** Trace assemblers for tests below the service, with limits chosen by the test (not the service's defaults). */
public final class Assemblers {
    private Assemblers() {
    }

    /** Limits no test trace reaches. */
    public static TraceAssembler generous() {
        return limited(20_000, 131_072);
    }

    public static TraceAssembler limited(int maxSpans, int maxAttributeChars) {
        return new TraceAssembler(maxSpans, maxAttributeChars, new SpanLimiter.Limits(1024, 1024, 1024, 1024));
    }
}

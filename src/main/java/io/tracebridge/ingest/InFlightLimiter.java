package io.tracebridge.ingest;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the OTLP requests being decoded or written at once. Instead of queueing without limit,
 * a request over the bound is refused at once as retryable, so memory stays bounded and
 * exporters back off and retry.
 */
public final class InFlightLimiter {
    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    public InFlightLimiter(int max) {
        this.max = max;
    }

    /** Takes a slot, or returns false when all are in use. Every true must be followed by {@link #release()}. */
    public boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }
}

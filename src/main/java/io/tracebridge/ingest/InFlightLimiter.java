package io.tracebridge.ingest;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the OTLP requests being decoded or written at once. Instead of queueing without limit,
 * a request over the bound is refused at once as retryable, so memory stays bounded and
 * exporters back off and retry.
 */
public final class InFlightLimiter {
    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    public InFlightLimiter(int max) {
        this.max = max;
    }

    /**
     * Takes a slot, or returns false when all are in use or the limiter is draining. Every true
     * must be followed by {@link #release()}.
     */
    public boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            if (n >= max || draining) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                if (draining) {
                    // drain() may have read the count before this increment: give the slot back.
                    inFlight.decrementAndGet();
                    return false;
                }
                return true;
            }
        }
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Refuses new work from now on and waits until the work in flight has finished.
     *
     * @return true when nothing is in flight any more, false when the timeout passed first
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }
}

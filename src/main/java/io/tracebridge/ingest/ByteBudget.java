package io.tracebridge.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the memory that OTLP requests in flight may hold, in bytes, on top of the count bound of
 * {@link InFlightLimiter}: a few maximum-size bodies cost as much heap as hundreds of small ones.
 * Each request takes a {@link Reservation} and grows it as its cost becomes known (the body as
 * received, then the decompressed bytes as they stream through the decoder); a request whose next
 * step does not fit is refused as retryable (HTTP 503, gRPC UNAVAILABLE), so the exporter backs
 * off and the heap never holds more than the budget's worth of requests. A request that could
 * not fit even into an empty budget is refused as too large (413 / RESOURCE_EXHAUSTED): retrying
 * it would never succeed.
 */
public final class ByteBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    public ByteBudget(long max) {
        if (max <= 0) {
            throw new IllegalArgumentException("byte budget must be positive: " + max);
        }
        this.max = max;
    }

    /**
     * The default budget when none is configured: half of the maximum heap. The other half is the
     * service's own baseline (Quarkus, connection pool, caches, about 80-120 MiB at -Xmx384m) and
     * room for the estimate being low.
     */
    public static long defaultFor(long maxHeapBytes) {
        return Math.max(1, maxHeapBytes / 2);
    }

    public long max() {
        return max;
    }

    public long used() {
        return used.get();
    }

    /** An empty reservation; {@link Reservation#close()} gives back whatever it grew to. */
    public Reservation open() {
        return new Reservation();
    }

    private boolean tryTake(long bytes) {
        while (true) {
            long u = used.get();
            if (u + bytes > max) {
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    /** The bytes one request holds. Thread-safe; closing twice is harmless. */
    public final class Reservation implements AutoCloseable {
        private long held;
        /** Bytes reserved ahead by {@link #addAhead} that later {@link #add} calls use before taking more. */
        private long credit;
        private boolean closed;

        /**
         * Grows the reservation by {@code bytes} now, for a cost that later {@link #add} calls will
         * name: they are served from this until it is used up. Admission uses it to take a body's
         * whole estimated cost at once when its size is known, so that requests admitted together
         * never all stall half-way (each holding its body, none able to take its decoding cost).
         */
        public synchronized void addAhead(long bytes) {
            grow(bytes);
            credit += Math.max(0, bytes);
        }

        /**
         * Grows the reservation by {@code bytes}.
         *
         * @throws OtlpException UNAVAILABLE when the budget is in use by other requests (or this
         *                       reservation was closed, e.g. the client went away), TOO_LARGE
         *                       when the request would not fit into the whole budget
         */
        public synchronized void add(long bytes) {
            long fromCredit = Math.min(credit, Math.max(0, bytes));
            credit -= fromCredit;
            grow(bytes - fromCredit);
        }

        private void grow(long bytes) {
            if (bytes <= 0) {
                return;
            }
            if (closed) {
                throw new OtlpException(OtlpException.Kind.UNAVAILABLE, "The request was abandoned; retry");
            }
            if (held + bytes > max) {
                throw new OtlpException(OtlpException.Kind.TOO_LARGE, "The OTLP request needs more memory (an estimated "
                        + (held + bytes) + " bytes) than this replica lets requests in flight hold (" + max
                        + " bytes, TRACEBRIDGE_MAX_IN_FLIGHT_BYTES); send smaller batches");
            }
            if (!tryTake(bytes)) {
                throw new OtlpException(OtlpException.Kind.UNAVAILABLE, "Tracebridge is processing its maximum of OTLP "
                        + "request bytes at once; retry later");
            }
            held += bytes;
        }

        /**
         * Gives back what this reservation holds beyond {@code bytes}, once the request's cost is
         * known to be less than was charged ahead (a small compressed message charged a whole step).
         */
        public synchronized void shrinkTo(long bytes) {
            if (!closed && held > bytes) {
                long excess = held - Math.max(0, bytes);
                used.addAndGet(-excess);
                held -= excess;
                credit = Math.min(credit, held);
            }
        }

        public synchronized long held() {
            return held;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                used.addAndGet(-held);
                held = 0;
                credit = 0;
            }
        }
    }
}

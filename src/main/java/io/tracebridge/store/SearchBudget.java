package io.tracebridge.store;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How much of the database's time one replica's searches and analytics statements may take, on
 * average: {@code share} seconds of statement time per second ({@code TRACEBRIDGE_SEARCH_DB_SHARE};
 * 0.25 is a quarter of one database core while the statements are CPU-bound), with a burst of
 * {@code burst} seconds. It is a token bucket in seconds of statement time:
 * <ul>
 *   <li>it fills at {@code share} per second, up to {@code burst}, and each statement's real
 *   running time is taken out of it when the statement ends;</li>
 *   <li>a running statement also holds a reservation of {@code reserve} (its time limit, the most
 *   it can cost), and the next one starts only while the bucket holds more than the running ones
 *   have reserved. From a full bucket {@code burst / reserve} statements start at once; the
 *   next waits for one of them to end (cheap ones end in milliseconds and cost what they ran);</li>
 *   <li>once long statements have emptied it, nothing starts until it has refilled: a statement
 *   that could not start within its own time limit is refused at once (the caller answers 503).
 *   Over any stretch of time the statements get {@code share} of it, plus the burst;</li>
 *   <li>a statement that starts and is never reported finished (a caller that went away at the
 *   wrong moment) keeps its reservation: {@link #finished} must follow every start.</li>
 * </ul>
 * The pool bounds how many statements run at once; this bounds how much of the database they keep
 * busy over time, which is what ingest on the same database needs (docs/benchmarks.md,
 * "Ingest beside expensive searches"). A share of 0 turns the budget off.
 */
public final class SearchBudget {
    private static final double NANOS = 1e9;
    /** How long a statement waits before asking again while running ones hold the bucket's content. */
    static final long POLL_NANOS = 20_000_000L;

    private final double share;
    private final double burst;
    private final double reserve;
    private final LongSupplier clock;
    private double seconds;
    private double reserved;
    private long refilledAt;

    /**
     * @param share   seconds of statement time per second of wall time; 0 for no limit
     * @param burst   the most the bucket holds, in seconds of statement time
     * @param reserve what a starting statement reserves (its time limit)
     * @param clock   nanoseconds, monotonic ({@link System#nanoTime()})
     */
    public SearchBudget(double share, Duration burst, Duration reserve, LongSupplier clock) {
        if (share < 0 || Double.isNaN(share) || Double.isInfinite(share)) {
            throw new IllegalArgumentException("TRACEBRIDGE_SEARCH_DB_SHARE must be 0 (no limit) or a positive number, not " + share);
        }
        this.share = share;
        this.burst = Math.max(burst.toNanos(), reserve.toNanos()) / NANOS;
        this.reserve = reserve.toNanos() / NANOS;
        this.clock = clock;
        this.seconds = this.burst;
        this.refilledAt = clock.getAsLong();
    }

    public boolean limited() {
        return share > 0;
    }

    public double share() {
        return share;
    }

    /**
     * Lets a statement start, taking its reservation, and answers 0; or answers how many
     * nanoseconds to wait before asking again (nothing is taken): a short poll while running
     * statements hold what the bucket has, else the time the bucket needs to refill.
     */
    public synchronized long tryStart() {
        if (!limited()) {
            return 0;
        }
        refill();
        if (seconds - reserved > 0) {
            reserved += reserve;
            return 0;
        }
        if (seconds > 0) {
            return POLL_NANOS;
        }
        return Math.max(1_000_000L, (long) Math.ceil(-seconds / share * NANOS));
    }

    /** A started statement ended after {@code ranNanos} (0 if it never reached the database). */
    public synchronized void finished(long ranNanos) {
        if (!limited()) {
            return;
        }
        refill();
        reserved = Math.max(0, reserved - reserve);
        seconds -= Math.max(0, ranNanos) / NANOS;
    }

    /** The bucket's content in seconds of statement time (negative while in debt), reservations not taken out. */
    synchronized double available() {
        refill();
        return seconds;
    }

    private void refill() {
        long now = clock.getAsLong();
        seconds = Math.min(burst, seconds + (now - refilledAt) / NANOS * share);
        refilledAt = now;
    }
}

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
 *   <li>once long statements have emptied it, nothing starts until it has refilled
 *   ({@link SearchStatements} waits for the refill only if the statement would still have half
 *   its time limit to run, and otherwise answers 503 without waiting).
 *   Over any stretch of time the statements get {@code share} of it, plus the burst and what
 *   the statements running at its end still cost;</li>
 *   <li>a statement that starts and is never reported finished (a caller that went away at the
 *   wrong moment) keeps its reservation: {@link #finished} must follow every start.</li>
 * </ul>
 * The pool bounds how many statements run at once; this bounds how much of the database they keep
 * busy over time, which is what ingest on the same database needs (docs/benchmarks.md,
 * "Ingest beside expensive searches"). A share of 0 turns the budget off.
 */
public final class SearchBudget {
    private static final double NANOS = 1e9;
    /** What {@link #tryStart} answers while running statements hold what the bucket has: ask again soon. */
    public static final long WAIT_FOR_RUNNING = -1;
    /** How long to wait before asking again after {@link #WAIT_FOR_RUNNING}. */
    public static final long POLL_NANOS = 20_000_000L;
    /** The smallest share that is not 0: below it one 5 s statement would shut searches out for hours. */
    public static final double MIN_SHARE = 0.001;
    /** The longest refill wait answered, so that no arithmetic on it overflows. */
    private static final long MAX_WAIT_NANOS = 3_600_000_000_000L;

    private final double share;
    private final double burst;
    private final double reserve;
    private final LongSupplier clock;
    private double seconds;
    private int running;
    private long refilledAt;

    /**
     * @param share   seconds of statement time per second of wall time; 0 for no limit
     * @param burst   the most the bucket holds, in seconds of statement time
     * @param reserve what a starting statement reserves (its time limit)
     * @param clock   nanoseconds, monotonic ({@link System#nanoTime()})
     */
    public SearchBudget(double share, Duration burst, Duration reserve, LongSupplier clock) {
        if (!(share == 0 || (share >= MIN_SHARE && share <= 1_000))) {
            throw new IllegalArgumentException("TRACEBRIDGE_SEARCH_DB_SHARE must be 0 (no limit) or between " + MIN_SHARE
                    + " and 1000 (seconds of statement time per second), not " + share);
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
     * Lets a statement start, taking its reservation, and answers 0; or answers, taking nothing,
     * {@link #WAIT_FOR_RUNNING} while running statements hold what the bucket has, else how many
     * nanoseconds the bucket needs to refill (at least 1 ms, at most an hour).
     */
    public synchronized long tryStart() {
        return tryStartAnswer(true);
    }

    private long tryStartAnswer(boolean take) {
        if (!limited()) {
            return 0;
        }
        refill();
        if (seconds - running * reserve > 0) {
            if (take) {
                running++;
            }
            return 0;
        }
        if (seconds > 0) {
            return WAIT_FOR_RUNNING;
        }
        double nanos = Math.ceil(-seconds / share * NANOS);
        return (long) Math.max(1_000_000L, Math.min(MAX_WAIT_NANOS, nanos));
    }

    /**
     * 0 if a statement could start now (nothing is taken), else how long to wait before asking
     * again: {@link #POLL_NANOS} while running statements hold what the bucket has, or the
     * refill time. For callers that would rather wait than be refused.
     */
    public synchronized long roomIn() {
        long wait = tryStartAnswer(false);
        return wait == WAIT_FOR_RUNNING ? POLL_NANOS : wait;
    }

    /**
     * A started statement ended after {@code ranNanos} (0 if it never reached the database).
     * Every start is followed by exactly one of these; a second one is a bug and throws.
     */
    public synchronized void finished(long ranNanos) {
        if (!limited()) {
            return;
        }
        if (running == 0) {
            throw new IllegalStateException("A search statement was reported finished more often than it started");
        }
        refill();
        running--;
        seconds -= Math.max(0, ranNanos) / NANOS;
    }

    /** Statements started and not reported finished. */
    synchronized int running() {
        return running;
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

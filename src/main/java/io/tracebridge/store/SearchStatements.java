package io.tracebridge.store;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.ops.SearchMetrics;
import io.tracebridge.ops.TracebridgeConfig;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the statements of trace search and analytics, the ones a filter or a time range can make
 * expensive (a {@code trace.text ILIKE '%...%'} scans every span):
 * <ul>
 *   <li>on the {@code search} datasource, a pool of its own
 *   ({@code TRACEBRIDGE_SEARCH_POOL_SIZE} connections), so that searches wait for each other and
 *   never for ingest's connections, nor ingest for theirs;</li>
 *   <li>within {@code TRACEBRIDGE_SEARCH_TIMEOUT}, waiting included: past it a statement that
 *   runs is cancelled in PostgreSQL (a cancel request on its connection) and the request fails
 *   with a 400 saying to narrow the filter or the time range. A 400, not a 503: the same search
 *   would run out of time again, and MLflow's client retries 503s. A statement starts only with
 *   at least half its time limit left: one that waited behind others of this replica past that
 *   answers 503 {@code TEMPORARILY_UNAVAILABLE} instead (not too expensive: the replica was busy),
 *   and so does one the limit catches before it could start (waiting for a connection);</li>
 *   <li>cancelled as well when the caller goes away: Quarkus REST cancels the request's
 *   {@code Uni} when the client disconnects, and the cancellation sends the cancel request;</li>
 *   <li>within a share of the database's time ({@code TRACEBRIDGE_SEARCH_DB_SHARE},
 *   {@link SearchBudget}): while this replica's statements have used theirs, the next one waits
 *   for the bucket to refill if it would then still have half its time limit to run, else
 *   answers 503 {@code TEMPORARILY_UNAVAILABLE} at once, with {@code Retry-After} the seconds
 *   the refill takes (MLflow's client retries it then). The pool alone bounds how many run at
 *   once, not how much of the database they take from ingest over time. An analytics request of
 *   several statements asks for each; a later one can be refused after an earlier one ran.</li>
 * </ul>
 */
@ApplicationScoped
@Startup // made at start-up, so that a wrong TRACEBRIDGE_SEARCH_DB_SHARE stops the service there
public class SearchStatements {
    private static final Logger LOG = Logger.getLogger(SearchStatements.class);
    /** PostgreSQL's SQLSTATE for a statement stopped by a cancel request or statement_timeout. */
    static final String QUERY_CANCELED = "57014";

    private final Pool pool;
    private final Duration timeout;
    private final SearchBudget budget;
    private final SearchMetrics metrics;

    @Inject
    public SearchStatements(@ReactiveDataSource("search") Pool pool, TracebridgeConfig config, SearchMetrics metrics,
            @ConfigProperty(name = "quarkus.datasource.search.reactive.max-size") int poolSize) {
        this(pool, checkedTimeout(config.search()),
                // A full bucket lets a whole pool of statements run to their time limit.
                new SearchBudget(config.search().dbShare(), config.search().timeout().multipliedBy(Math.max(1, poolSize)),
                        config.search().timeout(), System::nanoTime),
                metrics);
    }

    /** No leading zero: PostgreSQL would read {@code 060s} as octal. */
    private static final java.util.regex.Pattern PG_DURATION = java.util.regex.Pattern.compile("([1-9][0-9]{0,9})(ms|s|h)");
    /** PostgreSQL's largest statement_timeout, in milliseconds. */
    private static final long PG_MAX_MS = Integer.MAX_VALUE;

    /**
     * The time limit, once the backstop in PostgreSQL is known to be a value PostgreSQL takes,
     * read as it reads it (else the service stops at start-up); a backstop not above the time
     * limit is only warned about (PostgreSQL then ends long statements first, with the same 400).
     */
    static Duration checkedTimeout(TracebridgeConfig.Search search) {
        var m = PG_DURATION.matcher(search.statementTimeout());
        Duration backstop = null;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            backstop = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofHours(n);
            };
        }
        if (backstop == null || backstop.toMillis() > PG_MAX_MS) {
            throw new IllegalArgumentException("TRACEBRIDGE_SEARCH_STATEMENT_TIMEOUT must be a number without a leading zero"
                    + " and ms, s or h, at most " + PG_MAX_MS + " ms (e.g. 60s), not " + search.statementTimeout());
        }
        if (backstop.compareTo(search.timeout()) <= 0) {
            LOG.warnf("TRACEBRIDGE_SEARCH_STATEMENT_TIMEOUT (%s) is not above TRACEBRIDGE_SEARCH_TIMEOUT (%s): PostgreSQL"
                    + " stops search statements before the service's time limit would", search.statementTimeout(),
                    describe(search.timeout()));
        }
        return search.timeout();
    }

    SearchStatements(Pool pool, Duration timeout, SearchBudget budget, SearchMetrics metrics) {
        this.pool = pool;
        this.timeout = timeout;
        this.budget = budget;
        this.metrics = metrics;
    }

    /** Runs a statement whose parameters {@code params} collected as it was written. */
    public Uni<RowSet<Row>> execute(String sql, SqlParams params) {
        return execute(sql, Tuple.from(params.values()));
    }

    public Uni<RowSet<Row>> execute(String sql, Tuple params) {
        return Uni.createFrom().deferred(() -> {
            // Whether the statement was sent: set as it starts, and by the time limit's cancel when
            // it finds it running (the limit cancels first and only then asks which failure to
            // answer, so the flag is final by then).
            AtomicBoolean ran = new AtomicBoolean();
            return running(sql, params, System.nanoTime() + timeout.toNanos(), ran)
                    .ifNoItem().after(timeout).failWith(() -> ran.get() ? timedOut() : busy());
        }).onFailure(SearchStatements::wasCancelled).transform(t -> timedOut());
    }

    /** The longest a patient statement waits for the budget, all tries together, before its refusal is answered. */
    static final Duration PATIENCE = Duration.ofMinutes(10);

    /**
     * The same as {@link #execute(String, Tuple)}, for a caller that would rather wait for the
     * database-time budget than be refused (a page of a streamed export, whose client is
     * reading): sleeps until the budget has room, and tries again when refused anyway (another
     * statement took the room first), for up to {@link #PATIENCE}. One try at a time, resubscribed
     * by the retry, so a long wait builds up nothing; a caller that goes away cancels it.
     */
    public Uni<RowSet<Row>> executePatiently(String sql, Tuple params) {
        return Uni.createFrom().deferred(() -> {
            long until = System.nanoTime() + PATIENCE.toNanos();
            return Uni.createFrom().deferred(() -> {
                long wait = budget.roomIn();
                return wait == 0 ? execute(sql, params)
                        : Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofNanos(wait))
                                .chain(() -> Uni.createFrom().<RowSet<Row>>failure(new RoomAwaited()));
            }).onFailure(t -> (t instanceof RoomAwaited || heldBack(t)) && System.nanoTime() < until).retry().indefinitely()
                    .onFailure(RoomAwaited.class).transform(t -> MlflowException.unavailable(
                            "Searches on this replica have used their share of the database's time for "
                                    + PATIENCE.toMinutes() + " minutes; retry later", 60));
        });
    }

    /** The budget had no room: the patient statement slept and asks again. */
    private static final class RoomAwaited extends RuntimeException {
        RoomAwaited() {
            super(null, null, false, false);
        }
    }

    private static boolean heldBack(Throwable t) {
        return t instanceof MlflowException m && m.code() == ErrorCode.TEMPORARILY_UNAVAILABLE;
    }

    /** Not started yet: the budget ({@link SearchBudget}) has not let it in. */
    private static final int QUEUED = 0;
    /** Let in (its reservation taken), waiting for a connection. */
    private static final int WAITING = 1;
    private static final int RUNNING = 2;
    private static final int FINISHED = 3;
    private static final int CANCELLED = 4;

    /**
     * The statement on a connection of its own, once the budget lets it in, cancelled in
     * PostgreSQL when the subscriber cancels. Written with an emitter because a cancellation does
     * not reach into the Vert.x future that {@code Pool.withConnection} wraps. One state decides
     * between the statement going on and the caller giving up:
     * <ul>
     *   <li>a caller that gives up while queued leaves nothing behind (a reservation taken at that
     *   moment is given back at once);</li>
     *   <li>a connection that arrives after the caller gave up goes straight back to the pool;</li>
     *   <li>a connection whose statement was cancelled goes back only once the cancel request is
     *   done, so a late cancel can never hit the next user's statement.</li>
     * </ul>
     * Every path after the budget let the statement in reports it finished exactly once.
     */
    private Uni<RowSet<Row>> running(String sql, Tuple params, long deadline, AtomicBoolean ran) {
        return Uni.createFrom().emitter(em -> {
            AtomicInteger state = new AtomicInteger(QUEUED);
            AtomicReference<SqlConnection> held = new AtomicReference<>();
            AtomicReference<Cancellable> timer = new AtomicReference<>();
            CompletableFuture<Void> cancelDone = new CompletableFuture<>();
            em.onTermination(() -> {
                // One state read decides, again until a change sticks: a statement that moves on
                // between two checks (waiting to running) must not slip past uncancelled.
                while (true) {
                    int now = state.get();
                    if (now == RUNNING && state.compareAndSet(RUNNING, CANCELLED)) {
                        ran.set(true);
                        cancel(held.get()).subscribe().with(v -> cancelDone.complete(null), t -> cancelDone.complete(null));
                        return;
                    } else if (now == QUEUED && state.compareAndSet(QUEUED, CANCELLED)) {
                        Cancellable t = timer.get();
                        if (t != null) {
                            t.cancel();
                        }
                        return;
                    } else if (now == WAITING && state.compareAndSet(WAITING, CANCELLED)) {
                        return;
                    } else if (now == FINISHED || now == CANCELLED) {
                        return; // answered already (or finished at the limit: it ran)
                    }
                }
            });
            Runnable connect = () -> pool.getConnection().subscribe().with(conn -> {
                held.set(conn);
                // The wait for a connection counts too: no statement starts with less than half
                // its time limit left (with the budget off, the pool's queue is the only wait).
                if (spare(deadline) < 0) {
                    if (state.compareAndSet(WAITING, FINISHED)) {
                        conn.closeAndForget();
                        release(0);
                        em.fail(busy());
                        return;
                    }
                }
                if (!state.compareAndSet(WAITING, RUNNING)) {
                    conn.closeAndForget();
                    release(0);
                    return;
                }
                ran.set(true);
                long startedAt = System.nanoTime();
                conn.preparedQuery(sql).execute(params).subscribe().with(
                        rows -> finish(state, conn, cancelDone, startedAt, () -> em.complete(rows)),
                        failure -> finish(state, conn, cancelDone, startedAt, () -> em.fail(failure)));
            }, failure -> {
                release(0);
                if (state.compareAndSet(WAITING, FINISHED)) {
                    em.fail(failure);
                }
            });
            admit(state, timer, deadline, false, connect, em::fail);
        });
    }

    /**
     * Asks the budget until it lets the statement in, then connects. Waits for running statements
     * to end (bounded by the time limit), and for the bucket to refill only if the statement
     * would then still have at least half its time limit to run; otherwise it is refused now.
     */
    private void admit(AtomicInteger state, AtomicReference<Cancellable> timer, long deadline, boolean waited,
            Runnable connect, Consumer<Throwable> fail) {
        if (state.get() != QUEUED) {
            return;
        }
        long wait = budget.tryStart();
        long spare = spare(deadline);
        if (wait == 0) {
            if (spare < 0) {
                // Let in too late (a poll's timer fired late): give the room back, answer busy.
                release(0);
                if (state.compareAndSet(QUEUED, FINISHED)) {
                    metrics.throttled(false);
                    fail.accept(busy());
                }
            } else if (state.compareAndSet(QUEUED, WAITING)) {
                if (waited) {
                    metrics.throttled(true);
                }
                connect.run();
            } else {
                release(0);
            }
            return;
        }
        if (wait == SearchBudget.WAIT_FOR_RUNNING ? spare <= 0 : wait >= spare) {
            if (state.compareAndSet(QUEUED, FINISHED)) {
                metrics.throttled(false);
                if (wait == SearchBudget.WAIT_FOR_RUNNING) {
                    fail.accept(busy());
                } else {
                    logRefusals(wait);
                    fail.accept(overBudget(wait));
                }
            }
            return;
        }
        long delay = wait == SearchBudget.WAIT_FOR_RUNNING ? SearchBudget.POLL_NANOS : wait;
        timer.set(Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofNanos(delay)).subscribe()
                .with(v -> admit(state, timer, deadline, true, connect, fail)));
        if (state.get() != QUEUED) {
            timer.get().cancel();
        }
    }

    private void finish(AtomicInteger state, SqlConnection conn, CompletableFuture<Void> cancelDone, long started, Runnable answer) {
        if (state.compareAndSet(RUNNING, FINISHED)) {
            conn.closeAndForget();
            release(System.nanoTime() - started);
            answer.run();
        } else {
            // Cancelled: the caller has gone; the connection waits for the cancel request to end.
            cancelDone.whenComplete((v, t) -> {
                conn.closeAndForget();
                release(System.nanoTime() - started);
            });
        }
    }

    /**
     * What a statement starting now could run beyond half its time limit (negative: it may no
     * longer start). The one place of the half-limit rule.
     */
    private long spare(long deadline) {
        return deadline - System.nanoTime() - timeout.toNanos() / 2;
    }

    /** Gives the reservation back; a bookkeeping bug is logged, never allowed to stop an answer. */
    private void release(long ranNanos) {
        try {
            budget.finished(ranNanos);
        } catch (IllegalStateException e) {
            LOG.error(e.getMessage());
        }
    }

    private static Uni<Void> cancel(SqlConnection conn) {
        return PgConnection.cast(conn).cancelRequest()
                .onFailure().invoke(t -> LOG.warnf("Could not cancel a search statement: %s", t.toString()))
                .onFailure().recoverWithNull();
    }

    private static boolean wasCancelled(Throwable t) {
        var pg = StoreFailures.pgException(t);
        return pg != null && QUERY_CANCELED.equals(pg.getSqlState());
    }

    private MlflowException timedOut() {
        return new MlflowException(ErrorCode.BAD_REQUEST, "The search did not finish within " + describe(timeout)
                + " (TRACEBRIDGE_SEARCH_TIMEOUT) and was stopped; narrow the filter or the time range");
    }

    /** When searches were last refused for the budget and it was logged; one line a minute at most. */
    private final java.util.concurrent.atomic.AtomicLong refusalLoggedAt = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private void logRefusals(long waitNanos) {
        long now = System.nanoTime();
        long last = refusalLoggedAt.get();
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_NANOS) && refusalLoggedAt.compareAndSet(last, now)) {
            LOG.warnf("Searches and analytics have used their share of the database's time (TRACEBRIDGE_SEARCH_DB_SHARE=%s):"
                    + " refusing them with 503 for about %d s (counted in tracebridge_search_throttled_total; logged once a"
                    + " minute at most)", budget.share(), Math.max(1, waitNanos / 1_000_000_000L));
        }
    }

    private MlflowException overBudget(long waitNanos) {
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return MlflowException.unavailable("Searches on this replica have used their share of the database's time"
                + " (TRACEBRIDGE_SEARCH_DB_SHARE=" + budget.share() + "), so that ingest keeps its own; retry in about "
                + seconds + " s, or narrow the filter or the time range", seconds);
    }

    /** Out of time before the statement could start: it waited behind others on this replica. */
    private MlflowException busy() {
        return new MlflowException(ErrorCode.TEMPORARILY_UNAVAILABLE, "Searches on this replica are busy: this one"
                + " waited behind others and could not start with half of its " + describe(timeout)
                + " (TRACEBRIDGE_SEARCH_TIMEOUT) left; retry later");
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}

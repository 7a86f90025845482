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
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the statements of trace search and analytics, the ones a filter or a time range can make
 * expensive (a {@code trace.text ILIKE '%...%'} scans every span):
 * <ul>
 *   <li>on the {@code search} datasource, a pool of its own
 *   ({@code TRACEBRIDGE_SEARCH_POOL_SIZE} connections), so that searches wait for each other and
 *   never for ingest's connections, nor ingest for theirs;</li>
 *   <li>within {@code TRACEBRIDGE_SEARCH_TIMEOUT}, waiting for a connection included: past it the
 *   statement is cancelled in PostgreSQL (a cancel request on its connection) and the request
 *   fails with a 400 saying to narrow the filter or the time range. A 400, not a 503: the same
 *   search would run out of time again, and MLflow's client retries 503s;</li>
 *   <li>cancelled as well when the caller goes away: Quarkus REST cancels the request's
 *   {@code Uni} when the client disconnects, and the cancellation sends the cancel request;</li>
 *   <li>within a share of the database's time ({@code TRACEBRIDGE_SEARCH_DB_SHARE},
 *   {@link SearchBudget}): while this replica's statements have used theirs, the next one waits
 *   for the bucket to refill, or, if that would take past its time limit, answers 503
 *   {@code TEMPORARILY_UNAVAILABLE} with {@code Retry-After} at once (MLflow's client retries
 *   it). The pool alone bounds how many run at once, not how much of the database they take
 *   from ingest over time.</li>
 * </ul>
 */
@ApplicationScoped
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
        this(pool, config.search().timeout(),
                // A full bucket lets a whole pool of statements run to their time limit.
                new SearchBudget(config.search().dbShare(), config.search().timeout().multipliedBy(Math.max(1, poolSize)),
                        config.search().timeout(), System::nanoTime),
                metrics);
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
        return Uni.createFrom().deferred(() -> running(sql, params, System.nanoTime() + timeout.toNanos()))
                .ifNoItem().after(timeout).failWith(this::timedOut)
                .onFailure(SearchStatements::wasCancelled).transform(t -> timedOut());
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
    private Uni<RowSet<Row>> running(String sql, Tuple params, long deadline) {
        return Uni.createFrom().emitter(em -> {
            AtomicInteger state = new AtomicInteger(QUEUED);
            AtomicReference<SqlConnection> held = new AtomicReference<>();
            AtomicReference<Cancellable> timer = new AtomicReference<>();
            CompletableFuture<Void> cancelDone = new CompletableFuture<>();
            em.onTermination(() -> {
                if (state.compareAndSet(RUNNING, CANCELLED)) {
                    cancel(held.get()).subscribe().with(v -> cancelDone.complete(null), t -> cancelDone.complete(null));
                } else if (state.compareAndSet(QUEUED, CANCELLED)) {
                    Cancellable t = timer.get();
                    if (t != null) {
                        t.cancel();
                    }
                } else {
                    state.compareAndSet(WAITING, CANCELLED);
                }
            });
            Runnable connect = () -> pool.getConnection().subscribe().with(conn -> {
                held.set(conn);
                if (!state.compareAndSet(WAITING, RUNNING)) {
                    conn.closeAndForget();
                    budget.finished(0);
                    return;
                }
                long started = System.nanoTime();
                conn.preparedQuery(sql).execute(params).subscribe().with(
                        rows -> finish(state, conn, cancelDone, started, () -> em.complete(rows)),
                        failure -> finish(state, conn, cancelDone, started, () -> em.fail(failure)));
            }, failure -> {
                budget.finished(0);
                if (state.compareAndSet(WAITING, FINISHED)) {
                    em.fail(failure);
                }
            });
            admit(state, timer, deadline, false, connect, em::fail);
        });
    }

    /**
     * Asks the budget until it lets the statement in, then connects; or fails at once when the
     * budget would not refill before the statement's time limit. Waiting for running statements
     * to end is bounded by the time limit only.
     */
    private void admit(AtomicInteger state, AtomicReference<Cancellable> timer, long deadline, boolean waited,
            Runnable connect, java.util.function.Consumer<Throwable> fail) {
        if (state.get() != QUEUED) {
            return;
        }
        long wait = budget.tryStart();
        if (wait == 0) {
            if (state.compareAndSet(QUEUED, WAITING)) {
                connect.run();
            } else {
                budget.finished(0);
            }
            return;
        }
        if (wait != SearchBudget.POLL_NANOS && System.nanoTime() + wait >= deadline) {
            metrics.throttled(false);
            logRefusals(wait);
            if (state.compareAndSet(QUEUED, FINISHED)) {
                fail.accept(overBudget(wait));
            }
            return;
        }
        if (!waited) {
            metrics.throttled(true);
        }
        timer.set(Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofNanos(wait)).subscribe()
                .with(v -> admit(state, timer, deadline, true, connect, fail)));
        if (state.get() != QUEUED) {
            timer.get().cancel();
        }
    }

    private void finish(AtomicInteger state, SqlConnection conn, CompletableFuture<Void> cancelDone, long started, Runnable answer) {
        if (state.compareAndSet(RUNNING, FINISHED)) {
            conn.closeAndForget();
            budget.finished(System.nanoTime() - started);
            answer.run();
        } else {
            // Cancelled: the caller has gone; the connection waits for the cancel request to end.
            cancelDone.whenComplete((v, t) -> {
                conn.closeAndForget();
                budget.finished(System.nanoTime() - started);
            });
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
        return new MlflowException(ErrorCode.TEMPORARILY_UNAVAILABLE, "Searches on this replica have used their share of"
                + " the database's time (TRACEBRIDGE_SEARCH_DB_SHARE=" + budget.share() + "), so that ingest keeps its"
                + " own; retry in about " + seconds + " s, or narrow the filter or the time range");
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}

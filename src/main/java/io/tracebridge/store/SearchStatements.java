package io.tracebridge.store;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.ops.TracebridgeConfig;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
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
 *   {@code Uni} when the client disconnects, and the cancellation sends the cancel request.</li>
 * </ul>
 */
@ApplicationScoped
public class SearchStatements {
    private static final Logger LOG = Logger.getLogger(SearchStatements.class);
    /** PostgreSQL's SQLSTATE for a statement stopped by a cancel request or statement_timeout. */
    static final String QUERY_CANCELED = "57014";

    private final Pool pool;
    private final Duration timeout;

    public SearchStatements(@ReactiveDataSource("search") Pool pool, TracebridgeConfig config) {
        this.pool = pool;
        this.timeout = config.search().timeout();
    }

    /** Runs a statement whose parameters {@code params} collected as it was written. */
    public Uni<RowSet<Row>> execute(String sql, SqlParams params) {
        return execute(sql, Tuple.from(params.values()));
    }

    public Uni<RowSet<Row>> execute(String sql, Tuple params) {
        return running(sql, params)
                .ifNoItem().after(timeout).failWith(this::timedOut)
                .onFailure(SearchStatements::wasCancelled).transform(t -> timedOut());
    }

    private static final int WAITING = 0;
    private static final int RUNNING = 1;
    private static final int FINISHED = 2;
    private static final int CANCELLED = 3;

    /**
     * The statement on a connection of its own, cancelled in PostgreSQL when the subscriber
     * cancels. Written with an emitter because a cancellation does not reach into the Vert.x
     * future that {@code Pool.withConnection} wraps. One state decides between the statement
     * finishing and the caller giving up: a connection that arrives after the caller gave up goes
     * straight back to the pool, and a connection whose statement was cancelled goes back only
     * once the cancel request is done, so a late cancel can never hit the next user's statement.
     */
    private Uni<RowSet<Row>> running(String sql, Tuple params) {
        return Uni.createFrom().emitter(em -> {
            AtomicInteger state = new AtomicInteger(WAITING);
            AtomicReference<SqlConnection> held = new AtomicReference<>();
            CompletableFuture<Void> cancelDone = new CompletableFuture<>();
            em.onTermination(() -> {
                if (state.compareAndSet(RUNNING, CANCELLED)) {
                    cancel(held.get()).subscribe().with(v -> cancelDone.complete(null), t -> cancelDone.complete(null));
                } else {
                    state.compareAndSet(WAITING, CANCELLED);
                }
            });
            pool.getConnection().subscribe().with(conn -> {
                held.set(conn);
                if (!state.compareAndSet(WAITING, RUNNING)) {
                    conn.closeAndForget();
                    return;
                }
                conn.preparedQuery(sql).execute(params).subscribe().with(
                        rows -> finish(state, conn, cancelDone, () -> em.complete(rows)),
                        failure -> finish(state, conn, cancelDone, () -> em.fail(failure)));
            }, failure -> {
                if (state.compareAndSet(WAITING, FINISHED)) {
                    em.fail(failure);
                }
            });
        });
    }

    private static void finish(AtomicInteger state, SqlConnection conn, CompletableFuture<Void> cancelDone, Runnable answer) {
        if (state.compareAndSet(RUNNING, FINISHED)) {
            conn.closeAndForget();
            answer.run();
        } else {
            // Cancelled: the caller has gone; the connection waits for the cancel request to end.
            cancelDone.whenComplete((v, t) -> conn.closeAndForget());
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

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}

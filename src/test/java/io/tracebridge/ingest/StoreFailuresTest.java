package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracebridge.store.StoreFailures;
import io.tracebridge.store.StoreTimeoutException;
import io.tracebridge.support.PackagedApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import org.hibernate.HibernateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Which storage failures are "retry later" and which are the request's fault. The unavailable
 * cases are the failures the real Vert.x PostgreSQL client raises against a real server (the test
 * database): a backend terminated under a statement and the commands after it (what a restart
 * looks like), a refused connection, a pool with no free connection.
 */
class StoreFailuresTest {
    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void backendTerminatedUnderAStatementAndTheCommandsAfterIt() throws Exception {
        PgConnection victim = await(PgConnection.connect(vertx, options()));
        int pid = victim.processId();
        Future<?> sleeping = victim.query("SELECT pg_sleep(30)").execute();
        PgConnection admin = await(PgConnection.connect(vertx, options()));
        try {
            Thread.sleep(200);
            await(admin.query("SELECT pg_terminate_backend(" + pid + ")").execute());
            Throwable during = failure(sleeping);
            assertThat(StoreFailures.isUnavailable(during)).as("%s", during).isTrue();
            // The next command on the dead connection: Vert.x's NoStackTraceThrowable
            // "Connection is not active now, current status: CLOSED" (the 500 of issue 14).
            Throwable after = failure(victim.query("SELECT 1").execute());
            assertThat(after).isInstanceOf(NoStackTraceThrowable.class).hasMessageStartingWith("Connection is not active now");
            assertThat(StoreFailures.isUnavailable(after)).isTrue();
            assertThat(StoreFailures.isUnavailable(new HibernateException(after))).isTrue();
        } finally {
            admin.close();
        }
    }

    /**
     * A row for a day whose partition of spans is not made yet (the write makes it and is
     * retried) and a lock not granted within lock_timeout are "retry later", not the request's
     * fault, though the first is SQLSTATE class 23. Real server errors: a temporary partitioned
     * table named spans without a partition for the row, and an advisory lock another session holds.
     */
    @Test
    void aMissingSpanPartitionAndALockTimeoutAreRetryable() throws Exception {
        PgConnection conn = await(PgConnection.connect(vertx, options()));
        PgConnection holder = await(PgConnection.connect(vertx, options()));
        try {
            await(conn.query("CREATE TEMP TABLE spans (span_part date NOT NULL) PARTITION BY RANGE (span_part)").execute());
            Throwable missing = failure(conn.query("INSERT INTO spans VALUES (DATE '2030-01-01')").execute());
            assertThat(StoreFailures.isMissingPartition(missing)).as("%s", missing).isTrue();
            assertThat(StoreFailures.isUnavailable(missing)).isTrue();
            assertThat(StoreFailures.isDataError(missing)).isFalse();
            // A CHECK violation of the same class names its constraint: still the request's fault.
            await(conn.query("CREATE TEMP TABLE checked (n int CONSTRAINT positive CHECK (n > 0))").execute());
            Throwable check = failure(conn.query("INSERT INTO checked VALUES (-1)").execute());
            assertThat(StoreFailures.isMissingPartition(check)).isFalse();
            assertThat(StoreFailures.isDataError(check)).isTrue();

            await(holder.query("SELECT pg_advisory_lock(4242)").execute());
            await(conn.query("SET lock_timeout = '50ms'").execute());
            Throwable timedOut = failure(conn.query("SELECT pg_advisory_lock(4242)").execute());
            assertThat(StoreFailures.sqlState(timedOut)).isEqualTo("55P03");
            assertThat(StoreFailures.isUnavailable(timedOut)).isTrue();
        } finally {
            conn.close();
            holder.close();
        }
    }

    @Test
    void refusedConnection() throws Exception {
        Throwable refused = failure(PgConnection.connect(vertx, options().setPort(PackagedApp.freePort())));
        assertThat(refused).isInstanceOf(ConnectException.class);
        assertThat(StoreFailures.isUnavailable(refused)).isTrue();
    }

    @Test
    void poolAcquisitionTimeout() throws Exception {
        Pool pool = PgPool.pool(vertx, options(), new PoolOptions().setMaxSize(1)
                .setConnectionTimeout(200).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS));
        try {
            SqlConnection held = await(pool.getConnection());
            Throwable timeout = failure(pool.query("SELECT 1").execute());
            assertThat(timeout).isInstanceOf(VertxException.class).hasMessageStartingWith("Timeout waiting for connection");
            assertThat(StoreFailures.isUnavailable(timeout)).isTrue();
            held.close();
        } finally {
            pool.close();
        }
    }

    @Test
    void otherUnavailableTypes() {
        assertThat(StoreFailures.isUnavailable(new HibernateException(ClosedConnectionException.INSTANCE))).isTrue();
        assertThat(StoreFailures.isUnavailable(new RuntimeException(new ConnectException("refused")))).isTrue();
        assertThat(StoreFailures.isUnavailable(new io.netty.channel.ConnectTimeoutException("connection timed out"))).isTrue();
        assertThat(StoreFailures.isUnavailable(new StoreTimeoutException("write", Duration.ofSeconds(1)))).isTrue();
        assertThat(StoreFailures.isUnavailable(new java.util.concurrent.TimeoutException())).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("55000"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("57P01"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("57P03"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("08006"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("53300"))).isTrue();
    }

    @Test
    void notUnavailable() {
        assertThat(StoreFailures.isUnavailable(pg("22001"))).isFalse();
        assertThat(StoreFailures.isUnavailable(pg("42601"))).isFalse();
        assertThat(StoreFailures.isUnavailable(new NullPointerException())).isFalse();
        // Message words alone do not make a failure retryable (the old text match did).
        assertThat(StoreFailures.isUnavailable(new VertxException("Invalid connection string"))).isFalse();
        assertThat(StoreFailures.isUnavailable(new IllegalStateException("Connection is not active now"))).isFalse();
        assertThat(StoreFailures.isUnavailable(new NoStackTraceThrowable("The number of parameters is not right"))).isFalse();
    }

    @Test
    void dataErrors() {
        assertThat(StoreFailures.isDataError(pg("21000"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("22P02"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("23505"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("40P01"))).isFalse();
    }

    private static PgConnectOptions options() {
        return new PgConnectOptions().setHost(env("TRACEBRIDGE_DB_HOST", "127.0.0.1"))
                .setPort(Integer.parseInt(env("TRACEBRIDGE_DB_PORT", "5432")))
                .setDatabase(env("TRACEBRIDGE_TEST_DB_NAME", "tracebridge_test"))
                .setUser(env("TRACEBRIDGE_DB_USER", "tracebridge"))
                .setPassword(env("TRACEBRIDGE_DB_PASSWORD", "tracebridge"));
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(Future<?> f) throws Exception {
        try {
            await(f);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got success");
    }

    private static PgException pg(String state) {
        return new PgException("x", "ERROR", state, "detail");
    }
}

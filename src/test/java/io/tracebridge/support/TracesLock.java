package io.tracebridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

import java.util.function.LongPredicate;

/**
 * Holds trace searches up for real: an ACCESS EXCLUSIVE lock on the traces table, taken from a
 * connection of the test's own, makes every search statement wait in PostgreSQL, where
 * {@link #blockedSearches} sees it as PostgreSQL does.
 */
public final class TracesLock implements AutoCloseable {
    private static final String BLOCKED_SEARCHES = """
            SELECT count(*) FROM pg_stat_activity
            WHERE application_name = 'tracebridge-search' AND state = 'active' AND wait_event_type = 'Lock'
            """;
    private final SqlConnection conn;

    private TracesLock(SqlConnection conn) {
        this.conn = conn;
    }

    public static TracesLock take(Pool pool) {
        SqlConnection c = pool.getConnectionAndAwait();
        c.query("BEGIN").executeAndAwait();
        c.query("LOCK TABLE traces IN ACCESS EXCLUSIVE MODE").executeAndAwait();
        return new TracesLock(c);
    }

    /** Search statements of the service now waiting for a lock. */
    public static long blockedSearches(Pool pool) {
        return Db.count(pool, BLOCKED_SEARCHES);
    }

    /** Waits until at least {@code n} search statements wait for the lock; fails after {@code withinMs}. */
    public static void awaitBlocked(Pool pool, long n, long withinMs) throws InterruptedException {
        long blocked = awaitBlockedCount(pool, b -> b >= n, withinMs);
        assertThat(blocked).as("search statements that reached PostgreSQL").isGreaterThanOrEqualTo(n);
    }

    /** Waits until no search statement waits for the lock any more; fails after {@code withinMs}. */
    public static void awaitNoneBlocked(Pool pool, long withinMs) throws InterruptedException {
        long blocked = awaitBlockedCount(pool, b -> b == 0, withinMs);
        assertThat(blocked).as("search statements still waiting in PostgreSQL").isZero();
    }

    private static long awaitBlockedCount(Pool pool, LongPredicate done, long withinMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + withinMs;
        long blocked;
        while (!done.test(blocked = blockedSearches(pool)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return blocked;
    }

    @Override
    public void close() {
        conn.query("ROLLBACK").executeAndAwait();
        conn.closeAndAwait();
    }
}

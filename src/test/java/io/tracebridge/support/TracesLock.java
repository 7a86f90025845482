package io.tracebridge.support;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

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

    @Override
    public void close() {
        conn.query("ROLLBACK").executeAndAwait();
        conn.closeAndAwait();
    }
}

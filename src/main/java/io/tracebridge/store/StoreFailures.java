package io.tracebridge.store;

import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

/**
 * Classifies storage failures for both the REST API and the OTLP edges, by the type of each
 * failure in the cause chain, never by a loose match on the message text.
 */
public final class StoreFailures {
    /**
     * Failures the Vert.x SQL client (4.5) raises as a plain {@link NoStackTraceThrowable} or
     * {@link VertxException} with a fixed message, and no type of their own:
     * <ul>
     *   <li>{@code SocketConnectionBase.doSchedule}: a command on a connection the database (a
     *       restart) or the pool already closed;</li>
     *   <li>{@code SocketConnectionBase.handleClose}: commands queued on a connection that closed
     *       before they were written;</li>
     *   <li>{@code SqlConnectionPool}: no connection free within the pool's acquisition timeout.</li>
     * </ul>
     * Those two classes are generic (any {@code Future.failedFuture(String)} is a
     * {@code NoStackTraceThrowable}), so only these exact message prefixes are matched, and only on
     * those two classes.
     */
    private static final String[] VERTX_UNAVAILABLE_MESSAGES = {
            "Connection is not active now",
            "Pending requests failed to be sent due to connection has been closed",
            "Timeout waiting for connection",
    };

    private StoreFailures() {
    }

    /**
     * True when the database is unreachable or refusing work for now, so the client should retry:
     * <ul>
     *   <li>any {@link IOException} (refused or reset connections, {@code ConnectException},
     *       Netty's {@code ConnectTimeoutException} and native-transport errors, closed channels):
     *       the store does no file I/O, so I/O failures are failures to talk to the database;</li>
     *   <li>{@link ClosedConnectionException}: the connection closed under a command;</li>
     *   <li>{@link TimeoutException} and {@link StoreTimeoutException}: no answer in time (a
     *       frozen backend or server);</li>
     *   <li>PostgreSQL errors of SQLSTATE class 08 (connection exception), 53 (insufficient
     *       resources, e.g. too many connections), 57P (shutdown, crash recovery, "cannot connect
     *       now"), 55000 and 55P03 (a lock not granted within {@code lock_timeout});</li>
     *   <li>a row for a day of {@code spans} that has no partition yet ({@link #isMissingPartition}):
     *       the partition is made and the write can be retried;</li>
     *   <li>the Vert.x failures listed in {@link #VERTX_UNAVAILABLE_MESSAGES}.</li>
     * </ul>
     */
    public static boolean isUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof ClosedConnectionException
                    || c instanceof TimeoutException || c instanceof StoreTimeoutException) {
                return true;
            }
            String s = sqlState(c);
            if (s != null) {
                return s.startsWith("08") || s.startsWith("53") || s.startsWith("57P") || s.equals("55000")
                        || s.equals("55P03") || isMissingPartition(c);
            }
            if ((c.getClass() == NoStackTraceThrowable.class || c.getClass() == VertxException.class)
                    && c.getMessage() != null) {
                for (String prefix : VERTX_UNAVAILABLE_MESSAGES) {
                    if (c.getMessage().startsWith(prefix)) {
                        return true;
                    }
                }
            }
            if (c == c.getCause()) {
                break;
            }
        }
        return false;
    }

    /**
     * True for errors caused by the data (SQLSTATE classes 21 cardinality, 22 data exception, 23
     * integrity): the same request will fail again, so it must not be answered as retryable.
     */
    public static boolean isDataError(Throwable t) {
        String s = sqlState(t);
        return s != null && (s.startsWith("21") || s.startsWith("22") || s.startsWith("23")) && !isMissingPartition(t);
    }

    /**
     * Whether a write failed because no partition of {@code spans} takes its day: SQLSTATE 23514
     * reported on the table {@code spans} itself with no constraint named (a CHECK violation
     * names its constraint), whatever the language of the server's messages.
     */
    public static boolean isMissingPartition(Throwable t) {
        PgException pg = pgException(t);
        return pg != null && "23514".equals(pg.getSqlState()) && SpanPartitionStore.PARENT.equals(pg.getTable())
                && pg.getConstraint() == null;
    }

    /**
     * The SQLSTATE of the first database error in the cause chain, or null. Both forms count: the
     * reactive client's {@link PgException}, and the {@link SQLException} Hibernate Reactive
     * makes of it (its {@code SqlClientConnection} converts the PgException into a new
     * SQLException carrying only message and SQLSTATE, wrapped in a Hibernate
     * {@code JDBCException} such as {@code DataException}, so the PgException is no longer in
     * the chain).
     */
    public static String sqlState(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg && pg.getSqlState() != null) {
                return pg.getSqlState();
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
            if (c == c.getCause()) {
                break;
            }
        }
        return null;
    }

    /** The PostgreSQL error in the cause chain, or null. */
    public static PgException pgException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg) {
                return pg;
            }
            if (c == c.getCause()) {
                break;
            }
        }
        return null;
    }
}

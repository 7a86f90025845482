package io.tracebridge.store;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

/** Classifies storage failures for both the REST API and the OTLP edges. */
public final class StoreFailures {
    private StoreFailures() {
    }

    /**
     * True when the database is unreachable or refusing work for now (connection failures,
     * shutdown, "not accepting connections", too many connections): the client should retry.
     */
    public static boolean isUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SocketException || c instanceof ClosedChannelException
                    || c instanceof ClosedConnectionException) {
                return true;
            }
            if (c instanceof PgException pg && pg.getSqlState() != null) {
                String s = pg.getSqlState();
                return s.startsWith("08") || s.startsWith("53") || s.startsWith("57P") || s.equals("55000");
            }
            if (c instanceof VertxException v && v.getMessage() != null
                    && (v.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection")
                    || v.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timeout"))) {
                return true;
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
        PgException pg = pgException(t);
        return pg != null && pg.getSqlState() != null
                && (pg.getSqlState().startsWith("21") || pg.getSqlState().startsWith("22")
                || pg.getSqlState().startsWith("23"));
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

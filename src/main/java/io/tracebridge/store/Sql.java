package io.tracebridge.store;

import io.vertx.pgclient.PgException;

/** Small helpers shared by the PostgreSQL stores. */
final class Sql {
    private Sql() {
    }

    /** PostgreSQL text cannot hold NUL characters; they are dropped rather than failing the write. */
    static String text(String s) {
        if (s == null || s.indexOf('\0') < 0) {
            return s;
        }
        return s.replace("\0", "");
    }

    /** Deadlock or serialization failure: the transaction can simply run again. */
    static boolean isRetryable(Throwable t) {
        return t instanceof PgException pg
                && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }
}

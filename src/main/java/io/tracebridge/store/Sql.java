package io.tracebridge.store;

import io.tracebridge.mapping.Text;
import io.vertx.pgclient.PgException;

/** Small helpers shared by the PostgreSQL stores. */
final class Sql {
    private Sql() {
    }

    /** PostgreSQL text cannot hold NUL characters; see {@link Text#clean}. */
    static String text(String s) {
        return Text.clean(s);
    }

    /** Deadlock or serialization failure: the transaction can simply run again. */
    static boolean isRetryable(Throwable t) {
        return t instanceof PgException pg
                && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }
}

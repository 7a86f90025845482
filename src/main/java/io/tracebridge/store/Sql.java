package io.tracebridge.store;

import io.tracebridge.mapping.Text;
import io.tracebridge.search.Comparator;
import io.vertx.pgclient.PgException;

/** Small helpers shared by the PostgreSQL stores. */
final class Sql {
    private Sql() {
    }

    /** PostgreSQL text cannot hold NUL characters; see {@link Text#clean}. */
    static String text(String s) {
        return Text.clean(s);
    }

    /**
     * The relational operator of a numeric comparator as SQL and HQL spell it ({@code !=} is
     * {@code <>}): one table for the trace search and the experiment search.
     */
    static String relationalOperator(Comparator c) {
        return switch (c) {
            case EQ -> "=";
            case NE -> "<>";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            default -> throw new IllegalArgumentException(c + " has no single relational operator");
        };
    }

    /** Deadlock or serialization failure: the transaction can simply run again. */
    static boolean isRetryable(Throwable t) {
        return t instanceof PgException pg
                && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }
}

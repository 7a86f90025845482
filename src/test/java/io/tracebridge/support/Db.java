package io.tracebridge.support;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** Direct reads of the test database, to check what was (not) stored. */
public final class Db {
    private Db() {
    }

    public static long count(Pool pool, String sql, Object... params) {
        Row r = pool.preparedQuery(sql).execute(Tuple.from(params)).await().indefinitely().iterator().next();
        return r.getLong(0);
    }

    public static List<Row> rows(Pool pool, String sql, Object... params) {
        List<Row> out = new ArrayList<>();
        pool.preparedQuery(sql).execute(Tuple.from(params)).await().indefinitely().forEach(out::add);
        return out;
    }
}

package io.tracebridge.store;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.tracebridge.ops.TracebridgeConfig;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * Where trace reads go (docs/scaling.md): the read replica's pool when
 * {@code TRACEBRIDGE_DB_READ_URL} names one, else the primary's. Only reads that tolerate the
 * replica's delay use it (get-trace, batchGet, the rows of a search's page); a caller that finds
 * nothing there asks the primary ({@link #separate()}), so a trace written a moment ago is never
 * reported missing. Without a replica the read datasource is inactive and never resolved.
 */
@ApplicationScoped
public class ReadPool {
    private final Pool read;
    private final boolean separate;

    public ReadPool(Pool primary, @ReactiveDataSource("read") Instance<Pool> read, TracebridgeConfig config) {
        this.separate = config.db().readUrl().filter(u -> !u.isBlank()).isPresent();
        // Without a URL Quarkus leaves the read datasource inactive: resolve it only when configured.
        this.read = separate ? read.get() : primary;
    }

    /** The pool for reads that may lag behind the primary. */
    public Pool pool() {
        return read;
    }

    /** True when reads go to a replica, so that a miss is worth asking the primary. */
    public boolean separate() {
        return separate;
    }
}

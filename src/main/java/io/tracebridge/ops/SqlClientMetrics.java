package io.tracebridge.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Keeps the reactive PostgreSQL client's per-connection gauges out of the metrics.
 * <p>
 * Vert.x creates the SQL client's metrics once per socket connection, all with the same name
 * and tags ({@code postgresql.queue.size} and {@code postgresql.current}, tagged with the
 * datasource). Counters and timers of the same identity simply add up across connections,
 * but a gauge can be registered only once: the second connection's registration is refused
 * (Micrometer's "This Gauge has been already registered" warning at start-up), and the one
 * gauge left reports the first connection alone, which is wrong for a pool. The pools'
 * own gauges ({@code sql.pool.queue.size}, {@code sql.pool.inUse}, tagged with the pool's
 * name, see application.properties) report the same things per pool, correctly.
 */
public class SqlClientMetrics {
    @Produces
    @Singleton
    MeterFilter perConnectionGauges() {
        return MeterFilter.deny(id -> id.getType() == Meter.Type.GAUGE && id.getName().startsWith("postgresql."));
    }
}

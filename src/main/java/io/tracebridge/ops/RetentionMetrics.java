package io.tracebridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics of trace expiry, on {@code /q/metrics}: {@code tracebridge_retention_runs_total}
 * by outcome ({@code done}, {@code skipped} when another replica held the lock, {@code failed}),
 * {@code tracebridge_retention_traces_deleted_total},
 * {@code tracebridge_retention_partitions_dropped_total} (span partitions removed whole),
 * {@code tracebridge_retention_run_seconds}
 * and {@code tracebridge_retention_last_success_seconds} (epoch seconds of the last completed run).
 */
@ApplicationScoped
public class RetentionMetrics {
    private final MeterRegistry registry;
    private final Counter deleted;
    private final Counter partitionsDropped;
    private final Timer runs;
    private final AtomicLong lastSuccess = new AtomicLong();

    public RetentionMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.deleted = Counter.builder("tracebridge.retention.traces.deleted")
                .description("Traces deleted because they were older than their experiment's retention").register(registry);
        this.partitionsDropped = Counter.builder("tracebridge.retention.partitions.dropped")
                .description("Span partitions dropped whole because every trace in them had expired").register(registry);
        this.runs = Timer.builder("tracebridge.retention.run").description("Duration of completed expiry runs")
                .register(registry);
        Gauge.builder("tracebridge.retention.last.success", lastSuccess, AtomicLong::get)
                .description("Epoch seconds of the last completed expiry run").baseUnit("seconds").register(registry);
        for (String outcome : new String[] {"done", "skipped", "failed"}) {
            outcome(outcome);
        }
    }

    private Counter outcome(String outcome) {
        return Counter.builder("tracebridge.retention.runs").tag("outcome", outcome)
                .description("Expiry runs by outcome").register(registry);
    }

    public void done(long traces, int partitions, Duration took, long nowMs) {
        deleted.increment(traces);
        partitionsDropped.increment(partitions);
        runs.record(took);
        lastSuccess.set(nowMs / 1000);
        outcome("done").increment();
    }

    public void skipped() {
        outcome("skipped").increment();
    }

    public void failed() {
        outcome("failed").increment();
    }
}

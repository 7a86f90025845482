package io.tracebridge.traces;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tracebridge.ops.RetentionMetrics;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.RetentionStore;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Deletes traces older than their experiment's retention ({@link Retention}), every
 * {@code TRACEBRIDGE_RETENTION_INTERVAL}, on whichever replica gets the expiry lock first (the
 * others skip that run). Each experiment's expired traces go oldest first, in batches of
 * {@value #BATCH} traces per transaction, so that no transaction grows with the backlog and
 * ingest keeps its locks short. One log line per run.
 */
@ApplicationScoped
public class RetentionSweeper {
    private static final Logger LOG = Logger.getLogger(RetentionSweeper.class);
    static final int BATCH = 2000;

    /** What one run did; {@code ran} is false when another replica held the lock. */
    public record Run(boolean ran, int experimentsWithRetention, long tracesDeleted, long millis,
                      SpanPartitionKeeper.Pass partitions) {
    }

    private final RetentionStore store;
    private final SpanPartitionKeeper partitions;
    private final RetentionMetrics metrics;
    private final Vertx vertx;
    private final Clock clock;
    private final Duration interval;
    private final Optional<Duration> byDefault;
    private long timerId = -1;
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    public RetentionSweeper(RetentionStore store, SpanPartitionKeeper partitions, RetentionMetrics metrics,
                            TracebridgeConfig config, Vertx vertx, Clock clock) {
        this.store = store;
        this.partitions = partitions;
        this.metrics = metrics;
        this.vertx = vertx;
        this.clock = clock;
        this.interval = config.retention().interval();
        try {
            this.byDefault = Retention.parse(config.retention().traces());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("TRACEBRIDGE_TRACE_RETENTION: " + e.getMessage(), e);
        }
    }

    void start(@Observes StartupEvent event) {
        // Today's partition at once (a write that finds it missing makes it too); the rest with each run.
        partitions.createAhead(io.tracebridge.store.SpanPartitionStore.dayOf(clock.millis())).subscribe().with(
                made -> { }, t -> LOG.warnf("Partitions: could not create today's at start-up: %s", t.toString()));
        timerId = vertx.setPeriodic(interval.toMillis(), id -> runNow());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /**
     * One run; a failure (database down) is logged and the next tick tries again. A tick that
     * comes while this replica's previous run still goes (a large backlog) is skipped here, before
     * it asks the database for the lock.
     */
    void runNow() {
        if (!running.compareAndSet(false, true)) {
            metrics.skipped();
            LOG.info("Retention: skipped, the previous run on this replica is still going");
            return;
        }
        sweep().onTermination().invoke(() -> running.set(false)).subscribe().with(run -> { }, failure -> { });
    }

    /**
     * One run at the clock's time, logged and counted: first the partitions (made ahead, and
     * dropped behind where every trace in them has expired), then the remaining expired traces
     * one by one.
     */
    public Uni<Run> sweep() {
        long started = clock.millis();
        SpanPartitionKeeper.Pass[] pass = new SpanPartitionKeeper.Pass[1];
        return store.exclusively(() -> store.experimentTags(Retention.TAG).chain(tags -> {
                    Map<Long, Optional<Duration>> retentions = new java.util.HashMap<>();
                    tags.forEach((id, value) -> retentions.put(id, Retention.of(value, byDefault)));
                    return partitions.maintain(started, retentions).invoke(p -> pass[0] = p)
                            .chain(() -> expire(retentions, started));
                }))
                .map(done -> {
                    long took = clock.millis() - started;
                    if (done.isEmpty()) {
                        metrics.skipped();
                        LOG.info("Retention: skipped, another replica is expiring traces");
                        return new Run(false, 0, 0, took, new SpanPartitionKeeper.Pass(0, 0, 0));
                    }
                    Run run = new Run(true, (int) done.get()[0], done.get()[1] + pass[0].tracesDeleted(), took, pass[0]);
                    metrics.done(run.tracesDeleted(), pass[0].dropped(), Duration.ofMillis(took), clock.millis());
                    LOG.infof("Retention: deleted %d traces of %d experiments with a retention in %d ms "
                                    + "(%d of them with %d whole span partitions; %d partitions created)",
                            run.tracesDeleted(), run.experimentsWithRetention(), took, pass[0].tracesDeleted(),
                            pass[0].dropped(), pass[0].created());
                    return run;
                })
                .onFailure().invoke(t -> {
                    metrics.failed();
                    LOG.warnf("Retention: run failed, retried in %s: %s", interval, t.toString());
                });
    }

    /** Expires each experiment's traces in turn: {experiments with a retention, traces deleted}. */
    private Uni<long[]> expire(Map<Long, Optional<Duration>> retentions, long nowMs) {
        long[] totals = new long[2];
        return Multi.createFrom().iterable(new java.util.TreeMap<>(retentions).entrySet())
                .onItem().transformToUniAndConcatenate(e -> {
                    Optional<Duration> retention = e.getValue();
                    if (retention.isEmpty()) {
                        return Uni.createFrom().item(0L);
                    }
                    totals[0]++;
                    return expireAll(e.getKey(), nowMs - retention.get().toMillis());
                })
                .collect().in(() -> totals, (t, n) -> t[1] += n);
    }

    private Uni<Long> expireAll(long experimentId, long cutoffMs) {
        return store.expire(experimentId, cutoffMs, BATCH)
                .chain(n -> n < BATCH ? Uni.createFrom().item((long) n)
                        : expireAll(experimentId, cutoffMs).map(more -> more + n));
    }
}

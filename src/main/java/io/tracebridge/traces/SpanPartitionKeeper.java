package io.tracebridge.traces;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tracebridge.store.SpanPartitionStore;
import io.tracebridge.store.SpanPartitionStore.Partition;
import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the day partitions of {@code spans} (docs/partitioning.md): creates today's and the next
 * {@value #DAYS_AHEAD} days' ahead of time, and removes a partition behind once every trace in it
 * has expired, as Jaeger and Tempo expire whole indices or blocks: the traces of that day go
 * without their spans being deleted one by one, and then the partition goes in one step. A
 * partition holding a trace of an experiment that keeps its traces longer stays, and its expired
 * traces are deleted row by row ({@code RetentionStore}).
 */
@ApplicationScoped
public class SpanPartitionKeeper {
    private static final Logger LOG = Logger.getLogger(SpanPartitionKeeper.class);
    /** Partitions made ahead of today. */
    public static final int DAYS_AHEAD = 2;
    /**
     * Partitions this many days behind today or more may go; yesterday's stays whatever its
     * traces, so that a replica whose clock is a little behind still finds its day.
     */
    static final int DAYS_KEPT_BEHIND = 1;
    static final int BATCH = 2000;

    /** What one pass did. */
    public record Pass(int created, int dropped, long tracesDeleted) {
    }

    private final SpanPartitionStore store;

    public SpanPartitionKeeper(SpanPartitionStore store) {
        this.store = store;
    }

    /** Makes today's partition and the ones ahead of it; how many were new. */
    public Uni<Integer> createAhead(LocalDate today) {
        return Multi.createFrom().range(0, DAYS_AHEAD + 1)
                .onItem().transformToUniAndConcatenate(i -> store.ensure(today.plusDays(i)))
                .collect().asList()
                .map(made -> (int) made.stream().filter(b -> b).count());
    }

    /**
     * Creates ahead, then removes the partitions behind whose traces have all expired, oldest
     * first. {@code retentions} holds each experiment's retention (empty: kept forever).
     */
    public Uni<Pass> maintain(long nowMs, Map<Long, Optional<Duration>> retentions) {
        LocalDate today = SpanPartitionStore.dayOf(nowMs);
        LocalDate lastDroppable = today.minusDays(DAYS_KEPT_BEHIND);
        return createAhead(today).chain(created -> store.list().chain(partitions -> {
            List<Partition> behind = partitions.stream().filter(p -> !p.to().isAfter(lastDroppable))
                    .sorted(java.util.Comparator.comparing(Partition::from)).toList();
            long[] totals = new long[2];
            return Multi.createFrom().iterable(behind)
                    .onItem().transformToUniAndConcatenate(p -> expire(p, nowMs, retentions).invoke(gone -> {
                        if (gone >= 0) {
                            totals[0]++;
                            totals[1] += gone;
                        }
                    }))
                    .collect().last()
                    .map(x -> new Pass(created, (int) totals[0], totals[1]));
        }));
    }

    /** The traces deleted when the partition was dropped, or -1 when it stays. */
    private Uni<Long> expire(Partition p, long nowMs, Map<Long, Optional<Duration>> retentions) {
        return store.newestPerExperiment(p).chain(newest -> {
            Map<Long, Long> cutoffs = new LinkedHashMap<>();
            for (Map.Entry<Long, Long> e : newest.entrySet()) {
                Optional<Duration> keep = retentions.getOrDefault(e.getKey(), Optional.empty());
                if (keep.isEmpty() || e.getValue() >= nowMs - keep.get().toMillis()) {
                    return Uni.createFrom().item(-1L);
                }
                cutoffs.put(e.getKey(), nowMs - keep.get().toMillis());
            }
            return expireAll(p, cutoffs)
                    .chain(deleted -> store.referenced(p).chain(still -> {
                        if (still) {
                            // A writer held one of them; the next run takes it.
                            return Uni.createFrom().item(-1L);
                        }
                        return store.drop(p).invoke(() -> LOG.infof("Partitions: dropped %s (%s to %s), %d traces",
                                p.table(), p.from(), p.to(), deleted)).replaceWith(deleted);
                    }));
        });
    }

    private Uni<Long> expireAll(Partition p, Map<Long, Long> cutoffs) {
        if (cutoffs.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        return store.expireTraces(p, cutoffs, BATCH)
                .chain(n -> n < BATCH ? Uni.createFrom().item((long) n) : expireAll(p, cutoffs).map(more -> more + n));
    }
}

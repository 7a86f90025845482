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
     * A partition may go once it ended at least this many days before today: yesterday's (which
     * ends today) stays whatever its traces, so that a replica whose clock is a little behind
     * still finds its day; the day before yesterday's may go.
     */
    static final int DAYS_KEPT_BEHIND = 1;

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
     * first. {@code retentions} holds each experiment's retention (empty: kept forever). A
     * failure with one partition (a lock not granted in time, say) is logged and leaves it for
     * the next run; it does not stop the others nor the row-by-row expiry after this pass.
     */
    public Uni<Pass> maintain(long nowMs, Map<Long, Optional<Duration>> retentions) {
        LocalDate today = SpanPartitionStore.dayOf(nowMs);
        LocalDate lastDroppable = today.minusDays(DAYS_KEPT_BEHIND);
        Uni<Integer> ahead = createAhead(today).onFailure().recoverWithItem(t -> {
            LOG.warnf("Partitions: could not create the next days' partitions, retried next run: %s", t.toString());
            return 0;
        });
        Uni<Integer> leftovers = store.dropLeftovers().onFailure().recoverWithItem(t -> {
            LOG.warnf("Partitions: could not drop detached tables, retried next run: %s", t.toString());
            return 0;
        });
        return ahead.chain(created -> leftovers.chain(() -> store.list()).chain(partitions -> {
            // One pending detach per table: finish any first (wherever it is), or drop nothing this run.
            List<Partition> pending = partitions.stream().filter(Partition::detachPending).toList();
            Uni<Boolean> finished = Multi.createFrom().iterable(pending)
                    .onItem().transformToUniAndConcatenate(store::drop)
                    .collect().last().replaceWith(true)
                    .onFailure().recoverWithItem(t -> {
                        LOG.warnf("Partitions: could not finish a pending detach, retried next run: %s", t.toString());
                        return false;
                    });
            List<Partition> behind = partitions.stream()
                    .filter(p -> !p.detachPending() && !p.to().isAfter(lastDroppable))
                    .sorted(java.util.Comparator.comparing(Partition::from)).toList();
            long[] totals = new long[] {pending.size(), 0};
            boolean[] stopped = new boolean[1];
            return finished.chain(ok -> !ok ? Uni.createFrom().item(new Pass(created, 0, 0))
                    : Multi.createFrom().iterable(behind)
                    .onItem().transformToUniAndConcatenate(p -> stopped[0] ? Uni.createFrom().item(Outcome.KEPT)
                            : expire(p, nowMs, retentions).onFailure().recoverWithItem(t -> {
                                // A detach that failed may be pending now, and would make every
                                // later one fail: the rest waits for the next run.
                                stopped[0] = true;
                                LOG.warnf("Partitions: %s stays for now, and the partitions after it until the next run: %s",
                                        p.table(), t.toString());
                                return Outcome.KEPT;
                            })
                            .invoke(o -> {
                                totals[0] += o.dropped() ? 1 : 0;
                                totals[1] += o.tracesDeleted();
                            }))
                    .collect().last()
                    .map(x -> new Pass(created, (int) totals[0], totals[1])));
        }));
    }

    /** What became of one partition: dropped or not, and how many of its traces were deleted. */
    private record Outcome(boolean dropped, long tracesDeleted) {
        static final Outcome KEPT = new Outcome(false, 0);
    }

    /**
     * Drops the partition if every trace in it has expired. A partition whose whole-day expiry
     * began in an earlier run and did not finish (marked on the table, {@code markExpiring}) and
     * that now stays loses the spans whose traces went then.
     */
    private Uni<Outcome> expire(Partition p, long nowMs, Map<Long, Optional<Duration>> retentions) {
        return store.newestPerExperiment(p).chain(newest -> {
            Map<Long, Long> cutoffs = new LinkedHashMap<>();
            for (Map.Entry<Long, Long> e : newest.entrySet()) {
                Optional<Duration> keep = retentions.getOrDefault(e.getKey(), Optional.empty());
                if (keep.isEmpty() || e.getValue() >= nowMs - keep.get().toMillis()) {
                    return p.expiring() ? stays(p).replaceWith(Outcome.KEPT) : Uni.createFrom().item(Outcome.KEPT);
                }
                cutoffs.put(e.getKey(), nowMs - keep.get().toMillis());
            }
            Uni<Void> mark = cutoffs.isEmpty() ? Uni.createFrom().voidItem() : store.markExpiring(p, true);
            return mark.chain(() -> expireAll(p, cutoffs))
                    .chain(deleted -> store.referenced(p).chain(still -> {
                        if (still) {
                            // A trace stays after all (a writer held it, its time moved): the
                            // partition stays, without the spans of the traces that went.
                            return stays(p).replaceWith(new Outcome(false, deleted));
                        }
                        return store.drop(p).invoke(() -> LOG.infof("Partitions: dropped %s (%s to %s), %d traces",
                                p.table(), p.from(), p.to(), deleted)).replaceWith(new Outcome(true, deleted));
                    }));
        });
    }

    /** The partition stays: the spans of its deleted traces go, and so does the mark. */
    private Uni<Void> stays(Partition p) {
        return store.deleteOrphans(p).chain(() -> store.markExpiring(p, false));
    }

    /** Deletes the partition's traces, experiment by experiment, oldest first; how many. */
    private Uni<Long> expireAll(Partition p, Map<Long, Long> cutoffs) {
        return Multi.createFrom().iterable(cutoffs.entrySet())
                .onItem().transformToUniAndConcatenate(e -> expireFrom(p, e.getKey(), Long.MIN_VALUE, e.getValue()))
                .collect().in(() -> new long[1], (total, n) -> total[0] += n)
                .map(total -> total[0]);
    }

    private Uni<Long> expireFrom(Partition p, long experimentId, long fromMs, long cutoffMs) {
        return store.expireTraces(p, experimentId, fromMs, cutoffMs, RetentionSweeper.BATCH)
                .chain(done -> done.count() < RetentionSweeper.BATCH ? Uni.createFrom().item((long) done.count())
                        : expireFrom(p, experimentId, done.newest(), cutoffMs).map(more -> more + done.count()));
    }
}

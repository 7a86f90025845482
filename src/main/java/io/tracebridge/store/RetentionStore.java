package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Trace expiry (docs/retention.md): which experiments keep traces how long, and the deletion of
 * a trace with everything attached to it, one by one. Tags, metadata and assessments go by
 * {@code ON DELETE CASCADE}, the spans by a second statement on their partitions
 * ({@link SpanPartitionStore#deleteSpansOf}), the feedback rollup is corrected by its triggers
 * (migration V5), and pending-feedback records attached to the trace are deleted in the same
 * transaction. Whole partitions whose traces have all expired go faster, by
 * {@link SpanPartitionStore}.
 */
@ApplicationScoped
public class RetentionStore {
    /**
     * The session-level advisory lock that lets one replica at a time expire traces
     * ({@code pg_try_advisory_lock}); a replica that dies releases it with its connection.
     */
    public static final long LOCK_KEY = 0x54425f524554L;

    private static final String EXPERIMENT_TAGS = """
            SELECT e.experiment_id, t.value FROM experiments e
            LEFT JOIN experiment_tags t ON t.experiment_id = e.experiment_id AND t.key = $1
            ORDER BY e.experiment_id
            """;

    /**
     * At most $3 traces of experiment $1 requested before $2, oldest first; traces locked by a
     * writer at this moment are left for the next run rather than waited for.
     */
    private static final String EXPIRE = """
            DELETE FROM traces WHERE trace_id IN (
                SELECT trace_id FROM traces WHERE experiment_id = $1 AND request_time < $2
                ORDER BY request_time LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING trace_id, span_part
            """;

    /**
     * The pending-feedback records attached to the expired traces. A statement of its own, after
     * the delete: its fresh snapshot also sees a record attached while the delete ran.
     */
    private static final String EXPIRE_ATTACHED = "DELETE FROM pending_feedback WHERE trace_id = ANY($1)";

    private final Pool pool;

    public RetentionStore(Pool pool) {
        this.pool = pool;
    }

    /** Every experiment, deleted ones included, with the value of its tag {@code key} (null without). */
    public Uni<Map<Long, String>> experimentTags(String key) {
        return pool.preparedQuery(EXPERIMENT_TAGS).execute(Tuple.of(key)).map(rows -> {
            Map<Long, String> out = new LinkedHashMap<>();
            for (Row r : rows) {
                out.put(r.getLong("experiment_id"), r.getString("value"));
            }
            return out;
        });
    }

    /** Deletes at most {@code limit} traces of the experiment requested before {@code cutoffMs}; returns how many. */
    public Uni<Integer> expire(long experimentId, long cutoffMs, int limit) {
        return pool.withTransaction(conn -> conn.preparedQuery(EXPIRE).execute(Tuple.of(experimentId, cutoffMs, limit))
                .chain(rows -> SpanPartitionStore.deleteSpansOf(conn, rows))
                .chain(gone -> deleteAttachedFeedback(conn, gone).replaceWith(gone.size())));
    }

    /** Deletes the pending-feedback records attached to expired traces ({@link #EXPIRE_ATTACHED}). */
    static Uni<Void> deleteAttachedFeedback(io.vertx.mutiny.sqlclient.SqlConnection conn, List<String> traceIds) {
        return traceIds.isEmpty() ? Uni.createFrom().voidItem()
                : conn.preparedQuery(EXPIRE_ATTACHED).execute(Tuple.of(traceIds.toArray(String[]::new))).replaceWithVoid();
    }

    /**
     * Runs {@code work} while this replica holds the expiry lock, on a connection of its own kept
     * for that time; empty, without running it, when another replica holds the lock.
     */
    public <T> Uni<Optional<T>> exclusively(Supplier<Uni<T>> work) {
        return pool.withConnection(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1) AS locked")
                .execute(Tuple.of(LOCK_KEY))
                .chain(rows -> {
                    if (!rows.iterator().next().getBoolean("locked")) {
                        return Uni.createFrom().item(Optional.<T>empty());
                    }
                    return Uni.createFrom().<T>deferred(work::get).map(Optional::of)
                            .eventually(() -> conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(LOCK_KEY)));
                }));
    }
}

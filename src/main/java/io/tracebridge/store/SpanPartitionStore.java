package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The day partitions of {@code spans} (migration V9, docs/partitioning.md): a trace's spans live
 * in the partition of the UTC day the trace was first stored on ({@code traces.span_part}).
 * This class creates a day's partition ahead of its day, lists the partitions with their bounds,
 * and removes a partition behind once no trace refers to it.
 *
 * <p>Partition DDL cannot take bind parameters. The only values formatted into it are a table
 * name and date literals made here from a {@link LocalDate} ({@code spans_p20261203},
 * {@code '2026-12-03'}), never text from a request.
 */
@ApplicationScoped
public class SpanPartitionStore {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SpanPartitionStore.class);
    /** The parent table. */
    public static final String PARENT = "spans";

    /** Serialises partition creation across replicas ({@code pg_advisory_xact_lock}). */
    static final long CREATE_LOCK_KEY = 0x54425f504152L;

    private static final DateTimeFormatter NAME_DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final Pattern BOUND = Pattern.compile(
            "FOR VALUES FROM \\('(\\d{4}-\\d{2}-\\d{2})'\\) TO \\('(\\d{4}-\\d{2}-\\d{2})'\\)");

    private static final String LIST = """
            SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS pending,
                obj_description(c.oid, 'pg_class') IS NOT DISTINCT FROM $2 AS expiring
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1)
            ORDER BY c.relname
            """;

    /**
     * Per experiment, the newest request time among the traces of day $1: a loose index scan of
     * {@code traces_span_part_idx}, one descent per experiment present that day (not one entry
     * per trace), so that a run over many kept days stays cheap.
     */
    private static final String NEWEST_PER_EXPERIMENT = """
            WITH RECURSIVE e AS (
                SELECT min(experiment_id) AS id FROM traces WHERE span_part = $1
                UNION ALL
                SELECT (SELECT min(experiment_id) FROM traces WHERE span_part = $1 AND experiment_id > e.id)
                FROM e WHERE e.id IS NOT NULL
            )
            SELECT id AS experiment_id,
                (SELECT max(request_time) FROM traces WHERE span_part = $1 AND experiment_id = e.id) AS newest
            FROM e WHERE id IS NOT NULL
            """;

    /**
     * Spans of day [$1, $2) whose trace row is gone: left when a partition's traces were expired
     * without their spans but the partition could not be dropped after all (a trace a writer held
     * was skipped, a run stopped half-way and a retention was lengthened before the next). One
     * scan of that partition, only in that case.
     */
    private static final String DELETE_ORPHANS_OF = """
            DELETE FROM spans s WHERE s.span_part >= $1 AND s.span_part < $2
                AND NOT EXISTS (SELECT 1 FROM traces t WHERE t.trace_id = s.trace_id AND t.span_part = s.span_part)
            """;

    /** Tables of day partitions that were detached but not dropped (a drop that failed). */
    private static final String LEFTOVERS = """
            SELECT c.relname AS name FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
                AND c.relname ~ '^spans_p[0-9]{8}$'
            """;

    private static final String ANY_TRACE = "SELECT EXISTS (SELECT 1 FROM traces WHERE span_part = $1) AS any";

    /**
     * At most $5 traces of day $1 and experiment $2 requested in [$3, $4) ($4 the experiment's
     * cutoff), oldest first; their spans stay, to go with the partition. The caller moves $3 to
     * the newest time a batch deleted, so that each batch starts in {@code traces_span_part_idx}
     * where the last one stopped instead of stepping over the dead entries of all the batches
     * before it. Traces a writer holds are left for the next run.
     */
    private static final String EXPIRE_TRACES_OF = """
            DELETE FROM traces WHERE trace_id IN (
                SELECT trace_id FROM traces
                WHERE span_part = $1 AND experiment_id = $2 AND request_time >= $3 AND request_time < $4
                ORDER BY request_time LIMIT $5 FOR UPDATE SKIP LOCKED)
            RETURNING trace_id, request_time
            """;

    /**
     * The spans of deleted traces, by the (trace_id, span_part) pairs their delete returned: each
     * pair reaches only its own partition (run-time pruning on the join). A statement of its own
     * after the trace delete, so that its fresh snapshot also sees spans a concurrent write
     * committed before the trace row was deleted.
     */
    private static final String DELETE_SPANS_OF = """
            DELETE FROM spans s USING unnest($1::varchar[], $2::date[]) AS g(trace_id, span_part)
            WHERE s.trace_id = g.trace_id AND s.span_part = g.span_part AND s.span_part = ANY($3::date[])
            """;

    /**
     * The distinct days of {@code parts}: statements add {@code span_part = ANY(days)}, so that
     * the planner opens (and locks) only those days' partitions, not every partition.
     */
    static LocalDate[] days(java.util.Collection<LocalDate> parts) {
        return new java.util.TreeSet<>(parts).toArray(LocalDate[]::new);
    }

    /** Deletes the spans of the traces in {@code deleted} (rows with trace_id and span_part); their IDs. */
    static Uni<List<String>> deleteSpansOf(io.vertx.mutiny.sqlclient.SqlConnection conn, Iterable<Row> deleted) {
        List<String> ids = new ArrayList<>();
        List<LocalDate> parts = new ArrayList<>();
        for (Row r : deleted) {
            ids.add(r.getString("trace_id"));
            parts.add(r.getLocalDate("span_part"));
        }
        if (ids.isEmpty()) {
            return Uni.createFrom().item(ids);
        }
        return conn.preparedQuery(DELETE_SPANS_OF)
                .execute(Tuple.of(ids.toArray(String[]::new), parts.toArray(LocalDate[]::new), days(parts)))
                .replaceWith(ids);
    }

    /** The table comment that marks a partition whose traces are being deleted without their spans. */
    static final String EXPIRING_MARK = "tracebridge: whole-day expiry begun";

    /**
     * A partition of {@code spans}: the days [from, to); {@code expiring} when a whole-day expiry
     * of it began and did not end ({@link #markExpiring}).
     */
    public record Partition(String table, LocalDate from, LocalDate to, boolean detachPending, boolean expiring) {
        boolean covers(LocalDate day) {
            return !day.isBefore(from) && day.isBefore(to);
        }
    }

    private final Pool pool;

    public SpanPartitionStore(Pool pool) {
        this.pool = pool;
    }

    /** The partition day of something stored at {@code epochMs}: its UTC date. */
    public static LocalDate dayOf(long epochMs) {
        return java.time.Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC).toLocalDate();
    }

    static String tableOf(LocalDate day) {
        return PARENT + "_p" + NAME_DAY.format(day);
    }

    /** The partitions of {@code spans}, by name (so by day, the legacy one after the days). */
    public Uni<List<Partition>> list() {
        return list(pool);
    }

    private static Uni<List<Partition>> list(io.vertx.mutiny.sqlclient.SqlClient client) {
        return client.preparedQuery(LIST).execute(Tuple.of(PARENT, EXPIRING_MARK)).map(rows -> {
            List<Partition> out = new ArrayList<>();
            for (Row r : rows) {
                Matcher m = BOUND.matcher(r.getString("bound"));
                if (m.find()) {
                    out.add(new Partition(r.getString("name"), LocalDate.parse(m.group(1)), LocalDate.parse(m.group(2)),
                            r.getBoolean("pending"), r.getBoolean("expiring")));
                }
            }
            return out;
        });
    }

    /**
     * Makes sure the partition of {@code day} exists; true when this call created it. The table
     * is created first and then attached, which locks {@code spans} only in SHARE UPDATE
     * EXCLUSIVE mode: ingest and searches go on meanwhile.
     */
    public Uni<Boolean> ensure(LocalDate day) {
        String table = tableOf(day);
        // The lock timeout first: it bounds the wait for the advisory lock too, and stays below
        // the write timeout of a batch that makes its day's partition.
        return pool.withTransaction(conn -> conn.query("SET LOCAL lock_timeout = '4s'").execute()
                .chain(() -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(CREATE_LOCK_KEY)))
                .chain(() -> list(conn))
                .chain(partitions -> {
                    // Any partition whose bounds take the day will do, whatever its name
                    // (spans_legacy takes 1970-01-01, the day of every trace stored before V9).
                    if (partitions.stream().anyMatch(p -> p.covers(day))) {
                        return Uni.createFrom().item(false);
                    }
                    return conn.preparedQuery("SELECT to_regclass($1) IS NOT NULL AS table_exists").execute(Tuple.of(table))
                            .chain(rows -> create(conn, table, day, rows.iterator().next().getBoolean("table_exists")));
                }));
    }

    /** Creates and attaches the partition of {@code day}; a detached table of its name is replaced. */
    private static Uni<Boolean> create(io.vertx.mutiny.sqlclient.SqlConnection conn, String table, LocalDate day,
                                       boolean tableExists) {
        // A table of that name that is no partition (detached, not dropped) holds nothing live:
        // it is replaced.
        Uni<?> clear = tableExists
                ? conn.query("DROP TABLE " + table).execute().invoke(() -> LOG.infof(
                        "Partitions: dropped the detached table %s to make the partition of %s", table, day))
                : Uni.createFrom().voidItem();
        return clear.chain(() -> conn.query("CREATE TABLE " + table + " (LIKE " + PARENT
                        + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)").execute())
                .chain(() -> conn.query("ALTER TABLE " + PARENT + " ATTACH PARTITION " + table
                        + " FOR VALUES FROM ('" + day + "') TO ('" + day.plusDays(1) + "')").execute())
                .replaceWith(true);
    }

    /**
     * Per experiment, the newest request time among the traces of the partition (a day
     * partition, or the legacy one, whose traces all have its first day).
     */
    public Uni<Map<Long, Long>> newestPerExperiment(Partition p) {
        return pool.preparedQuery(NEWEST_PER_EXPERIMENT).execute(Tuple.of(p.from())).map(rows -> {
            Map<Long, Long> out = new java.util.LinkedHashMap<>();
            for (Row r : rows) {
                out.put(r.getLong("experiment_id"), r.getLong("newest"));
            }
            return out;
        });
    }

    /** What one batch of {@link #expireTraces} deleted, and the newest request time among them. */
    public record Expired(int count, long newest) {
    }

    /**
     * Deletes at most {@code limit} traces of the partition and experiment requested in
     * [{@code fromMs}, {@code cutoffMs}), oldest first, without touching spans (the partition goes
     * with them). Pending feedback attached to them goes in the same transaction.
     */
    public Uni<Expired> expireTraces(Partition p, long experimentId, long fromMs, long cutoffMs, int limit) {
        return pool.withTransaction(conn -> conn.preparedQuery(EXPIRE_TRACES_OF)
                .execute(Tuple.from(new Object[] {p.from(), experimentId, fromMs, cutoffMs, limit}))
                .chain(rows -> {
                    List<String> gone = new ArrayList<>();
                    long newest = fromMs;
                    for (Row r : rows) {
                        gone.add(r.getString("trace_id"));
                        newest = Math.max(newest, r.getLong("request_time"));
                    }
                    return RetentionStore.deleteAttachedFeedback(conn, gone).replaceWith(new Expired(gone.size(), newest));
                }));
    }

    /**
     * Marks the partition as having its traces deleted without their spans (a table comment), or
     * clears the mark; a run that finds the mark on a partition that stays removes the spans
     * whose traces went ({@link #deleteOrphans}).
     */
    public Uni<Void> markExpiring(Partition p, boolean on) {
        return pool.query("COMMENT ON TABLE " + quoted(p.table()) + " IS "
                + (on ? "'" + EXPIRING_MARK + "'" : "NULL")).execute().replaceWithVoid();
    }

    /** Deletes the partition's spans whose trace is gone ({@link #DELETE_ORPHANS_OF}); how many. */
    public Uni<Integer> deleteOrphans(Partition p) {
        return pool.preparedQuery(DELETE_ORPHANS_OF).execute(Tuple.of(p.from(), p.to())).map(rows -> rows.rowCount());
    }

    /** Drops the tables of day partitions that were detached but never dropped; how many. */
    public Uni<Integer> dropLeftovers() {
        return pool.query(LEFTOVERS).execute().chain(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(r -> names.add(r.getString("name")));
            Uni<Integer> done = Uni.createFrom().item(0);
            for (String name : names) {
                done = done.chain(n -> pool.query("DROP TABLE IF EXISTS " + quoted(name)).execute()
                        .invoke(() -> LOG.infof("Partitions: dropped %s, detached earlier and not dropped", name))
                        .replaceWith(n + 1));
            }
            return done;
        });
    }

    /** Whether any trace still refers to the partition's days. */
    public Uni<Boolean> referenced(Partition p) {
        return pool.preparedQuery(ANY_TRACE).execute(Tuple.of(p.from()))
                .map(rows -> rows.iterator().next().getBoolean("any"));
    }

    /**
     * Detaches the partition and drops it. {@code DETACH ... CONCURRENTLY} (PostgreSQL 14) does
     * not block the writes and reads of the other partitions; it runs outside a transaction, so
     * a detach that was interrupted is finished with {@code FINALIZE}. PostgreSQL allows one
     * pending detach per table, so callers finish a pending one before starting another. Call it
     * only for a partition no trace refers to ({@link #referenced}).
     */
    public Uni<Void> drop(Partition p) {
        String detach = "ALTER TABLE " + PARENT + " DETACH PARTITION " + quoted(p.table())
                + (p.detachPending() ? " FINALIZE" : " CONCURRENTLY");
        // The detach waits for the transactions that use spans (a long export, say) without
        // blocking anyone; a wait past the timeout leaves it pending, for the next run to finish.
        return pool.withConnection(conn -> conn.query("SET lock_timeout = '60s'").execute()
                .chain(() -> conn.query(detach).execute())
                .chain(() -> conn.query("DROP TABLE IF EXISTS " + quoted(p.table())).execute())
                .eventually(() -> conn.query("RESET lock_timeout").execute()))
                .replaceWithVoid();
    }

    /** A partition name as read from the catalogue, quoted as an identifier. */
    private static String quoted(String table) {
        return "\"" + table.replace("\"", "\"\"") + "\"";
    }
}

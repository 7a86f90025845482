package io.tracebridge.analytics;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.Schema;
import io.tracebridge.store.SearchStatements;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The analytics queries (docs/analytics-api.md) on the reactive PostgreSQL client. Every value
 * is a bind parameter; column names come from {@link Grouping} and {@link GroupKey}, never from
 * the request.
 *
 * <p>Sessions and users are listed most recently active first without aggregating the whole
 * range: traces are read newest first from the experiment's time index in chunks, and each new
 * session (or user) met is summarised from its own index. A session first met at time t has its
 * last activity at t, so once the scan has passed below the page's last entry, no unseen session
 * can belong on the page. The cost grows with the page size and the turns per session, not with
 * the number of traces in the range.
 */
@ApplicationScoped
public class AnalyticsStore {
    public static final int MAX_TURNS = 1000;
    static final int MAX_BUCKETS = 2000;
    private static final int MAX_OTHERS = 20;

    private static final String RANGE = "($2::bigint IS NULL OR t.request_time >= $2) AND ($3::bigint IS NULL OR t.request_time < $3)";

    private final SearchStatements db;

    public AnalyticsStore(SearchStatements db) {
        this.db = db;
    }

    /**
     * Fails with RESOURCE_DOES_NOT_EXIST unless the experiment exists (one primary-key lookup);
     * true when it is active. A deleted experiment's traces are out of the analytics (as out of
     * trace search) until it is restored, so the callers then answer with nothing found.
     */
    public Uni<Boolean> requireExperiment(long experimentId) {
        return db.execute("SELECT lifecycle_stage FROM experiments WHERE experiment_id = $1", Tuple.of(experimentId))
                .map(rs -> {
                    if (rs.size() == 0) {
                        throw MlflowException.notFound("No Experiment with id=" + experimentId + " exists");
                    }
                    return io.tracebridge.model.Experiment.ACTIVE.equals(rs.iterator().next().getString(0));
                });
    }

    public Uni<Page<GroupStats>> sessions(TimeRange range, String userId, int limit, String pageToken) {
        return groups(Grouping.SESSION, range, userId, limit, pageToken);
    }

    public Uni<Page<GroupStats>> users(TimeRange range, int limit, String pageToken) {
        return groups(Grouping.USER, range, null, limit, pageToken);
    }

    private Uni<Page<GroupStats>> groups(Grouping g, TimeRange range, String userId, int limit, String pageToken) {
        String fingerprint = g + "|" + range + "|" + userId;
        GroupCursor cursor = GroupCursor.decode(pageToken, fingerprint);
        long upper = cursor == null ? range.lastMs() : Math.min(cursor.lastTimeMs(), range.lastMs());
        Scan scan = new Scan(g, range, userId, limit, cursor, upper);
        return scan.next().map(done -> {
            List<GroupStats> valid = scan.valid();
            boolean more = valid.size() > limit || !scan.exhausted;
            List<GroupStats> page = valid.subList(0, Math.min(limit, valid.size()));
            String token = more && !page.isEmpty()
                    ? new GroupCursor(page.get(page.size() - 1).lastTimeMs(), page.get(page.size() - 1).id()).encode(fingerprint)
                    : null;
            return new Page<>(List.copyOf(page), token);
        });
    }

    /** The state of one newest-first scan for a page of sessions or users. */
    private final class Scan {
        private final Grouping g;
        private final TimeRange range;
        private final String userId;
        private final int limit;
        private final GroupCursor cursor;
        private final Map<String, GroupStats> seen = new HashMap<>();
        private long scanTime;
        private String scanTraceId;
        private int chunk;
        boolean exhausted;

        Scan(Grouping g, TimeRange range, String userId, int limit, GroupCursor cursor, long upper) {
            this.g = g;
            this.range = range;
            this.userId = userId;
            this.limit = limit;
            this.cursor = cursor;
            this.scanTime = upper;
            this.chunk = Math.max(200, limit * 4);
        }

        List<GroupStats> valid() {
            return seen.values().stream()
                    .filter(s -> cursor == null || cursor.before(s.lastTimeMs(), s.id()))
                    .sorted(Comparator.comparingLong(GroupStats::lastTimeMs).thenComparing(GroupStats::id).reversed())
                    .toList();
        }

        Uni<Boolean> next() {
            String sql = "SELECT t." + g.column + ", t.request_time, t.trace_id FROM traces t "
                    + "WHERE t.experiment_id = $1 AND ($2::bigint IS NULL OR t.request_time >= $2) "
                    + "AND t." + g.column + " IS NOT NULL "
                    + (userId == null ? "AND $6::varchar IS NULL " : "AND t.user_id = $6 ")
                    + "AND t.request_time <= $3 AND (t.request_time < $3 OR (t.request_time = $3 AND ($4::varchar IS NULL OR t.trace_id > $4))) "
                    + "ORDER BY t.request_time DESC, t.trace_id LIMIT $5";
            // Rows after (scanTime, scanTraceId) in index order; the first chunk starts with every row at scanTime.
            Tuple params = Tuple.from(new Object[] {range.experimentId(), range.startMs(), scanTime, scanTraceId,
                    chunk, userId});
            return db.execute(sql, params).chain(rows -> {
                // Summarise only as many new sessions (users) as the page can still take, plus one to
                // know whether there is a next page; the scan resumes after the last row consumed.
                int wanted = Math.max(1, limit + 1 - valid().size());
                Set<String> fresh = new LinkedHashSet<>();
                boolean stoppedEarly = false;
                for (Row r : rows) {
                    String id = r.getString(0);
                    if (!seen.containsKey(id) && !fresh.contains(id)) {
                        if (fresh.size() >= wanted) {
                            stoppedEarly = true;
                            break;
                        }
                        fresh.add(id);
                    }
                    scanTime = r.getLong(1);
                    scanTraceId = r.getString(2);
                }
                exhausted = !stoppedEarly && rows.size() < chunk;
                chunk = Math.min(chunk * 2, 5000);
                Uni<Void> summarised = fresh.isEmpty() ? Uni.createFrom().voidItem()
                        : summarise(g, range, fresh).invoke(list -> list.forEach(s -> seen.put(s.id(), s))).replaceWithVoid();
                return summarised.chain(() -> {
                    List<GroupStats> valid = valid();
                    if (exhausted || (valid.size() >= limit && scanTime < valid.get(limit - 1).lastTimeMs())) {
                        return Uni.createFrom().item(true);
                    }
                    return next();
                });
            });
        }
    }

    /** Stats and feedback summaries of some sessions or users, over the range. */
    private Uni<List<GroupStats>> summarise(Grouping g, TimeRange range, Set<String> ids) {
        String[] idArray = ids.toArray(String[]::new);
        Tuple params = Tuple.from(new Object[] {range.experimentId(), range.startMs(), range.endMs(), idArray});
        String stats = "SELECT t." + g.column + " AS id, min(t.request_time) AS first_time, "
                + "max(t.request_time) AS last_time, count(*) AS traces, "
                + "count(*) FILTER (WHERE t.state = 'ERROR') AS errors, "
                + "(array_agg(DISTINCT t." + g.other + ") FILTER (WHERE t." + g.other + " IS NOT NULL))[1:" + MAX_OTHERS
                + "] AS others, count(DISTINCT t." + g.other + ") AS other_count "
                + "FROM traces t WHERE t.experiment_id = $1 AND " + RANGE + " AND t." + g.column + " = ANY($4::varchar[]) "
                + "GROUP BY 1";
        String feedback = "SELECT t." + g.column + ", a.name, " + FeedbackPolarity.aggregates() + " "
                + "FROM traces t JOIN assessments a ON a.trace_id = t.trace_id AND a.kind = 'FEEDBACK' AND a.valid "
                + "WHERE t.experiment_id = $1 AND " + RANGE + " AND t." + g.column + " = ANY($4::varchar[]) "
                + "GROUP BY 1, 2 ORDER BY 1, 2";
        // Independent queries: run on two pooled connections at once.
        return Uni.combine().all().unis(db.execute(feedback, params), db.execute(stats, params))
                .asTuple().map(both -> {
                    Map<String, List<FeedbackSummary>> byId = new HashMap<>();
                    for (Row r : both.getItem1()) {
                        byId.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
                                .add(Totals.of(r, 2).summary(r.getString(1), null));
                    }
                    List<GroupStats> out = new ArrayList<>();
                    for (Row r : both.getItem2()) {
                        out.add(groupStats(r, byId.getOrDefault(r.getString("id"), List.of())));
                    }
                    return out;
                });
    }

    // ---- row mappers: one per entity, by column name --------------------------------------------

    private static GroupStats groupStats(Row r, List<FeedbackSummary> feedback) {
        String[] others = r.getArrayOfStrings("others");
        return new GroupStats(r.getString("id"), r.getLong("first_time"), r.getLong("last_time"), r.getLong("traces"),
                r.getLong("errors"), others == null ? List.of() : Arrays.asList(others), r.getLong("other_count"), feedback);
    }

    private static final String TURN_COLUMNS = "t.trace_id, t.request_time, t.end_time, t.state, t.user_id, "
            + "t.client_request_id, t.request_preview, t.response_preview";

    private static SessionTurn sessionTurn(Row r, List<SessionTurn.Feedback> feedback) {
        return new SessionTurn(r.getString("trace_id"), r.getLong("request_time"), r.getLong("end_time"),
                r.getString("state"), r.getString("user_id"), r.getString("client_request_id"),
                r.getString("request_preview"), r.getString("response_preview"), feedback);
    }

    private static SessionTurn.Feedback turnFeedback(Row r) {
        return new SessionTurn.Feedback(r.getString("assessment_id"), r.getString("name"), r.getString("value_json"),
                r.getString("rationale"), r.getString("source_type"), r.getString("source_id"), r.getLong("create_time"));
    }

    /** A session's traces in request order, at most {@link #MAX_TURNS} + 1 (the caller reports truncation). */
    public Uni<List<SessionTurn>> sessionTurns(TimeRange range, String sessionId) {
        String sql = "SELECT " + TURN_COLUMNS + " FROM traces t "
                + "WHERE t.experiment_id = $1 AND " + RANGE + " AND t.session_id = $4 "
                + "ORDER BY t.request_time, t.trace_id LIMIT " + (MAX_TURNS + 1);
        return db.execute(sql, Tuple.of(range.experimentId(), range.startMs(), range.endMs(), sessionId))
                .chain(rows -> {
                    List<Row> turns = new ArrayList<>();
                    rows.forEach(turns::add);
                    if (turns.isEmpty()) {
                        return Uni.createFrom().item(List.<SessionTurn>of());
                    }
                    String[] ids = turns.stream().map(r -> r.getString("trace_id")).toArray(String[]::new);
                    return db.execute("""
                                    SELECT trace_id, assessment_id, name, value_json, rationale, source_type, source_id,
                                        create_time
                                    FROM assessments WHERE trace_id = ANY($1) AND kind = 'FEEDBACK' AND valid
                                    ORDER BY create_time, assessment_id
                                    """, Tuple.of(ids))
                            .map(fb -> {
                                Map<String, List<SessionTurn.Feedback>> byTrace = new HashMap<>();
                                for (Row r : fb) {
                                    byTrace.computeIfAbsent(r.getString("trace_id"), k -> new ArrayList<>())
                                            .add(turnFeedback(r));
                                }
                                return turns.stream().map(r -> sessionTurn(r,
                                        byTrace.getOrDefault(r.getString("trace_id"), List.of()))).toList();
                            });
                });
    }

    /**
     * Feedback summaries per name and, with a key, per value of that key. Whole hours of the range
     * come from {@code feedback_rollup} (migration V5), the partial hours at its ends from the
     * feedback rows; a key that is not rolled up ({@link GroupKey#rolledUp()}) is computed from the
     * rows over the whole range.
     */
    public Uni<List<FeedbackSummary>> feedback(TimeRange range, GroupKey groupBy, String name) {
        if (groupBy != null && !groupBy.rolledUp()) {
            return liveFeedback(range.experimentId(), range.startMs(), range.endMs(), groupBy, name)
                    .map(AnalyticsStore::sorted);
        }
        Split split = Split.of(range);
        Map<List<String>, Totals> acc = new HashMap<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Long[] edge : split.edges()) {
            chain = chain.chain(() -> liveFeedback(range.experimentId(), edge[0], edge[1], groupBy, name)
                    .invoke(list -> list.forEach(s -> add(acc, s.name(), s.group(), s.totals()))).replaceWithVoid());
        }
        if (split.hasHours()) {
            chain = chain.chain(() -> rolledUpFeedback(range.experimentId(), split, groupBy, name)
                    .invoke(list -> list.forEach(s -> add(acc, s.name(), s.group(), s.totals()))).replaceWithVoid());
        }
        return chain.map(v -> sorted(acc.entrySet().stream()
                .filter(e -> e.getValue().count() > 0)
                .map(e -> new Grouped(e.getKey().get(0), e.getKey().get(1), e.getValue())).toList()));
    }

    /** A summary with its raw numeric totals, so that parts of a range add up exactly. */
    private record Grouped(String name, String group, Totals totals) {
        FeedbackSummary summary() {
            return totals.summary(name, group);
        }
    }

    /** Counts of some feedback: all, positive, negative, and the count and sum of numeric values. */
    private record Totals(long count, long positive, long negative, long numCount, double numSum) {
        static Totals of(Row r, int first) {
            Double sum = r.getDouble(first + 4);
            return new Totals(r.getLong(first), r.getLong(first + 1), r.getLong(first + 2), r.getLong(first + 3),
                    sum == null ? 0 : sum);
        }

        Totals plus(Totals o) {
            return new Totals(count + o.count, positive + o.positive, negative + o.negative, numCount + o.numCount,
                    numSum + o.numSum);
        }

        Totals minus(Totals o) {
            return new Totals(count - o.count, positive - o.positive, negative - o.negative, numCount - o.numCount,
                    numSum - o.numSum);
        }

        FeedbackSummary summary(String name, String group) {
            Double mean = numCount == 0 ? null : Math.round(numSum / numCount * 10_000.0) / 10_000.0;
            return new FeedbackSummary(name, group, count, positive, negative, mean);
        }
    }

    private static void add(Map<List<String>, Totals> acc, String name, String group, Totals t) {
        acc.merge(Arrays.asList(name, group), t, Totals::plus);
    }

    /** Name, then count descending, then group (absent last). */
    private static List<FeedbackSummary> sorted(List<Grouped> rows) {
        return rows.stream()
                .sorted(Comparator.comparing(Grouped::name)
                        .thenComparing(g -> -g.totals().count())
                        .thenComparing(Grouped::group, Comparator.nullsLast(Comparator.naturalOrder())))
                .map(Grouped::summary).toList();
    }

    /**
     * A range cut at whole hours: [hourStart, hourEnd) read from the rollup (null: open), and the
     * partial hours before and after it read from the rows.
     */
    private record Split(TimeRange range, Long hourStart, Long hourEnd, boolean hasHours) {
        static final long HOUR = 3_600_000L;

        static Split of(TimeRange r) {
            Long hs = r.startMs() == null ? null : Math.floorDiv(r.startMs() + HOUR - 1, HOUR) * HOUR;
            Long he = r.endMs() == null ? null : Math.floorDiv(r.endMs(), HOUR) * HOUR;
            boolean hours = hs == null || he == null || hs < he;
            return new Split(r, hs, he, hours);
        }

        /** The [from, to) ranges read from the rows (no whole hour: the range itself). */
        List<Long[]> edges() {
            if (!hasHours) {
                return List.<Long[]>of(new Long[] {range.startMs(), range.endMs()});
            }
            List<Long[]> out = new ArrayList<>();
            if (range.startMs() != null && range.startMs() < hourStart) {
                out.add(new Long[] {range.startMs(), hourStart});
            }
            if (range.endMs() != null && hourEnd < range.endMs()) {
                out.add(new Long[] {hourEnd, range.endMs()});
            }
            return out;
        }
    }

    private static final String LIVE_RANGE = "a.experiment_id = $1 AND a.kind = 'FEEDBACK' AND a.valid "
            + "AND ($2::bigint IS NULL OR a.trace_time >= $2) AND ($3::bigint IS NULL OR a.trace_time < $3) "
            + "AND ($4::varchar IS NULL OR a.name = $4)";

    /** Feedback of [from, to) from the rows, grouped by the key's value (its first {@link Schema#INDEXED_PREFIX_CHARS} characters, as the rollup) when there is one. */
    private Uni<List<Grouped>> liveFeedback(long experimentId, Long from, Long to, GroupKey groupBy, String name) {
        String group = groupBy == null ? "NULL::text" : "left(g.value, " + Schema.INDEXED_PREFIX_CHARS + ")";
        String join = groupBy == null ? "" : groupBy.join("a.trace_id", "$5");
        String sql = "SELECT a.name, " + group + ", " + FeedbackPolarity.aggregates() + " FROM assessments a " + join
                + " WHERE " + LIVE_RANGE + (groupBy == null ? " AND $5::varchar IS NULL" : "") + " GROUP BY 1, 2";
        Tuple params = Tuple.from(new Object[] {experimentId, from, to, name, groupBy == null ? null : groupBy.key()});
        return db.execute(sql, params).map(rows -> {
            List<Grouped> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new Grouped(r.getString(0), r.getString(1), Totals.of(r, 2)));
            }
            return out;
        });
    }

    private static final String ROLLUP_RANGE = "experiment_id = $1 AND dim = $2 AND dim_key = $3 "
            + "AND ($4::bigint IS NULL OR hour_ms >= $4) AND ($5::bigint IS NULL OR hour_ms < $5) "
            + "AND ($6::varchar IS NULL OR name = $6)";

    /**
     * Feedback of the whole hours from the rollup: per name, and with a key per value; the
     * feedback on traces without the key (group null) is the name's total less its values.
     */
    private Uni<List<Grouped>> rolledUpFeedback(long experimentId, Split split, GroupKey groupBy, String name) {
        String totalsSql = "SELECT name, " + FeedbackPolarity.rollupAggregates() + " FROM feedback_rollup WHERE "
                + ROLLUP_RANGE + " GROUP BY 1";
        Uni<Map<String, Totals>> totals = db.execute(totalsSql, Tuple.from(new Object[] {experimentId, "-", "", split.hourStart(), split.hourEnd(), name}))
                .map(rows -> {
                    Map<String, Totals> out = new HashMap<>();
                    rows.forEach(r -> out.put(r.getString(0), Totals.of(r, 1)));
                    return out;
                });
        if (groupBy == null) {
            return totals.map(t -> t.entrySet().stream().map(e -> new Grouped(e.getKey(), null, e.getValue())).toList());
        }
        String valuesSql = "SELECT name, dim_value, " + FeedbackPolarity.rollupAggregates() + " FROM feedback_rollup WHERE "
                + ROLLUP_RANGE + " GROUP BY 1, 2";
        Tuple params = Tuple.from(new Object[] {experimentId, groupBy.rollupDim(), groupBy.key(), split.hourStart(),
                split.hourEnd(), name});
        return totals.chain(t -> db.execute(valuesSql, params).map(rows -> {
            List<Grouped> out = new ArrayList<>();
            Map<String, Totals> rest = new HashMap<>(t);
            for (Row r : rows) {
                Totals v = Totals.of(r, 2);
                out.add(new Grouped(r.getString(0), r.getString(1), v));
                rest.computeIfPresent(r.getString(0), (k, total) -> total.minus(v));
            }
            rest.forEach((n, v) -> out.add(new Grouped(n, null, v)));
            return out;
        }));
    }

    /** A timeline point: one name's feedback in one bucket. */
    public record Point(long bucketStartMs, FeedbackSummary summary) {
    }

    /** Feedback per name and bucket of {@code intervalMs} (a whole number of hours), from the rollup and the edge rows. */
    public Uni<List<Point>> timeline(TimeRange range, String name, long intervalMs) {
        if (range.startMs() != null && range.endMs() != null
                && (range.endMs() - range.startMs()) / intervalMs > MAX_BUCKETS) {
            throw MlflowException.invalid("The range holds more than " + MAX_BUCKETS
                    + " buckets of this interval; choose a larger interval or a shorter range");
        }
        Split split = Split.of(range);
        Map<List<Object>, Totals> acc = new HashMap<>();
        // Buckets floor toward minus infinity, like the rollup's hours (tb_hour) and Split.
        String live = "SELECT a.name, a.trace_time - ((a.trace_time % $5) + $5) % $5, " + FeedbackPolarity.aggregates()
                + " FROM assessments a WHERE " + LIVE_RANGE + " GROUP BY 1, 2";
        String rolled = "SELECT name, hour_ms - ((hour_ms % $7) + $7) % $7, " + FeedbackPolarity.rollupAggregates()
                + " FROM feedback_rollup WHERE " + ROLLUP_RANGE + " GROUP BY 1, 2";
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Long[] edge : split.edges()) {
            chain = chain.chain(() -> db.execute(live, Tuple.from(new Object[] {range.experimentId(), edge[0], edge[1], name, intervalMs}))
                    .invoke(rows -> rows.forEach(r -> acc.merge(List.of(r.getString(0), r.getLong(1)), Totals.of(r, 2),
                            Totals::plus)))
                    .replaceWithVoid());
        }
        if (split.hasHours()) {
            chain = chain.chain(() -> db.execute(rolled, Tuple.from(new Object[] {range.experimentId(), "-", "", split.hourStart(), split.hourEnd(),
                            name, intervalMs}))
                    .invoke(rows -> rows.forEach(r -> acc.merge(List.of(r.getString(0), r.getLong(1)), Totals.of(r, 2),
                            Totals::plus)))
                    .replaceWithVoid());
        }
        return chain.map(v -> {
            List<Map.Entry<List<Object>, Totals>> entries = acc.entrySet().stream()
                    .filter(e -> e.getValue().count() > 0)
                    .sorted(Comparator.comparing((Map.Entry<List<Object>, Totals> e) -> (String) e.getKey().get(0))
                            .thenComparing(e -> (Long) e.getKey().get(1)))
                    .toList();
            if (entries.stream().map(e -> e.getKey().get(1)).distinct().count() > MAX_BUCKETS) {
                throw MlflowException.invalid("The range holds more than " + MAX_BUCKETS
                        + " buckets of this interval; choose a larger interval or a shorter range");
            }
            return entries.stream().map(e -> new Point((Long) e.getKey().get(1),
                    e.getValue().summary((String) e.getKey().get(0), null))).toList();
        });
    }
}

package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.analytics.ExperimentActivity;
import io.tracebridge.analytics.FeedbackSummary;
import io.tracebridge.analytics.GroupCursor;
import io.tracebridge.analytics.GroupKey;
import io.tracebridge.analytics.GroupOrder;
import io.tracebridge.analytics.GroupStats;
import io.tracebridge.analytics.ModelPrices;
import io.tracebridge.analytics.Grouping;
import io.tracebridge.analytics.Page;
import io.tracebridge.analytics.SessionTurn;
import io.tracebridge.analytics.TimeRange;
import io.tracebridge.analytics.TimelinePoint;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
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
 * {@link AnalyticsStore} on the reactive PostgreSQL client, run by {@link SearchStatements}
 * (the search pool, within {@code TRACEBRIDGE_SEARCH_TIMEOUT}). Every value is a bind parameter
 * ({@link SqlParams}); column names come from this class's constants, never from the request.
 * A range end that is absent adds no condition, so each statement's plan sees only the bounds
 * it has.
 *
 * <p>Sessions and users are listed most recently active first without aggregating the whole
 * range: traces are read newest first from the experiment's time index in chunks, and each new
 * session (or user) met is summarised from its own index. A session first met at time t has its
 * last activity at t, so once the scan has passed below the page's last entry, no unseen session
 * can belong on the page. The cost grows with the page size and the turns per session, not with
 * the number of traces in the range.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // a malformed TRACEBRIDGE_MODEL_PRICES stops the start, not the first request
public class PgAnalyticsStore implements AnalyticsStore {
    static final int MAX_BUCKETS = 2000;
    /** Most users of a session (sessions of a user) listed by name; the count is exact. */
    private static final int MAX_OTHERS = 20;
    private static final int FIRST_CHUNK = 200;
    private static final int MAX_CHUNK = 5000;

    /**
     * Which feedback counts as positive or negative is decided by one SQL function,
     * {@code tb_feedback_sign(value_text)} (migration V5), which these aggregates and the
     * triggers keeping {@code feedback_rollup} both call. The columns: count, positive, negative,
     * count and sum of the numeric values, named as {@link Totals#of} reads them.
     */
    private static final String FEEDBACK_TOTALS = "count(*) AS cnt, "
            + "count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = 1) AS pos, "
            + "count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = -1) AS neg, "
            + "count(a.value_number) AS num_cnt, sum(a.value_number::numeric)::float8 AS num_sum";
    /** The same columns summed over {@code feedback_rollup} rows. */
    private static final String ROLLUP_TOTALS = "sum(cnt)::bigint AS cnt, sum(pos)::bigint AS pos, "
            + "sum(neg)::bigint AS neg, sum(num_cnt)::bigint AS num_cnt, sum(num_sum)::float8 AS num_sum";
    /** Valid feedback of assessments {@code a}; the partial feedback indexes have the same predicate. */
    private static final String VALID_FEEDBACK = "a.kind = 'FEEDBACK' AND a.valid";
    /** The {@code feedback_rollup} rows of a name's totals over all traces. */
    private static final String ROLLUP_TOTAL_DIM = "-";
    private static final String TURN_COLUMNS = "t.trace_id, t.request_time, t.end_time, t.state, t.user_id, "
            + "t.client_request_id, t.request_preview, t.response_preview";

    private final SearchStatements db;
    private final io.vertx.mutiny.sqlclient.Pool primary;
    private final ModelPrices prices;

    public PgAnalyticsStore(SearchStatements db, io.vertx.mutiny.sqlclient.Pool primary,
                            io.tracebridge.ops.TracebridgeConfig config) {
        this.db = db;
        this.primary = primary;
        this.prices = ModelPrices.parse(config.analytics().modelPrices().orElse(null));
    }

    @Override
    public Uni<Boolean> requireExperiment(long experimentId) {
        SqlParams p = new SqlParams();
        String sql = "SELECT lifecycle_stage FROM experiments WHERE experiment_id = " + p.add(experimentId, "bigint");
        // On the primary: an experiment created a moment ago is there, not yet on a replica.
        return primary.preparedQuery(sql).execute(Tuple.from(p.values())).map(rs -> {
            if (rs.size() == 0) {
                throw MlflowException.notFound("No Experiment with id=" + experimentId + " exists");
            }
            return Experiment.ACTIVE.equals(rs.iterator().next().getString("lifecycle_stage"));
        });
    }

    @Override
    public Uni<List<ExperimentActivity>> experimentActivity(Set<Long> only, int limit, int countCap) {
        SqlParams p = new SqlParams();
        // Newest trace: one probe of traces_experiment_time_idx; count: at most countCap entries of the
        // same index. The ORDER BY keeps it on the index: without it the planner, expecting the
        // experiment to hold most traces, scans the table and reads all of it for an empty experiment.
        String sql = "SELECT e.experiment_id, e.name, l.request_time AS last_time, c.n AS traces FROM experiments e "
                + "LEFT JOIN LATERAL (SELECT t.request_time FROM traces t WHERE t.experiment_id = e.experiment_id "
                + "ORDER BY t.request_time DESC LIMIT 1) l ON true "
                + "CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM traces t WHERE t.experiment_id = e.experiment_id "
                + "ORDER BY t.request_time DESC LIMIT " + p.add(countCap, "int") + ") x) c "
                + "WHERE e.lifecycle_stage = " + p.add(Experiment.ACTIVE, "varchar")
                + (only == null ? "" : " AND e.experiment_id = ANY(" + p.add(only.toArray(Long[]::new), "bigint[]") + ")")
                + " ORDER BY l.request_time DESC NULLS LAST, e.experiment_id LIMIT " + p.add(limit, "int");
        return db.execute(sql, p).map(rows -> {
            List<ExperimentActivity> out = new ArrayList<>();
            for (Row r : rows) {
                long n = r.getLong("traces");
                out.add(new ExperimentActivity(r.getLong("experiment_id"), r.getString("name"), n, n >= countCap,
                        r.getLong("last_time")));
            }
            return out;
        });
    }

    /** The trace column a grouping groups by, and the one it lists per group. */
    private static String column(Grouping g) {
        return g == Grouping.SESSION ? "session_id" : "user_id";
    }

    private static String other(Grouping g) {
        return g == Grouping.SESSION ? "user_id" : "session_id";
    }

    /** {@code column >= from AND column < to}, each end bound only when it is given. */
    private static String range(SqlParams p, String column, Long from, Long to) {
        return (from == null ? "" : " AND " + column + " >= " + p.add(from, "bigint"))
                + (to == null ? "" : " AND " + column + " < " + p.add(to, "bigint"));
    }

    @Override
    public Uni<Page<GroupStats>> groups(Grouping g, TimeRange range, String userId, int limit, GroupCursor cursor,
                                        GroupOrder order) {
        if (!order.isDefault()) {
            return sorted(g, range, userId, limit, cursor == null ? 0 : cursor.offset(), order);
        }
        long upper = cursor == null ? range.lastMs() : Math.min(cursor.lastTimeMs(), range.lastMs());
        Scan scan = new Scan(g, range, userId, limit, cursor, upper);
        return scan.next().map(done -> {
            List<GroupStats> valid = scan.valid();
            boolean more = valid.size() > limit || !scan.exhausted;
            List<GroupStats> page = valid.subList(0, Math.min(limit, valid.size()));
            GroupCursor next = more && !page.isEmpty()
                    ? new GroupCursor(page.get(page.size() - 1).lastTimeMs(), page.get(page.size() - 1).id())
                    : null;
            return new Page<>(List.copyOf(page), next);
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
            this.chunk = Math.max(FIRST_CHUNK, limit * 4);
        }

        List<GroupStats> valid() {
            return seen.values().stream()
                    .filter(s -> cursor == null || cursor.before(s.lastTimeMs(), s.id()))
                    .sorted(Comparator.comparingLong(GroupStats::lastTimeMs).thenComparing(GroupStats::id).reversed())
                    .toList();
        }

        Uni<Boolean> next() {
            // Rows after (scanTime, scanTraceId) in index order; the first chunk starts with every row at scanTime.
            SqlParams p = new SqlParams();
            String column = "t." + column(g);
            String at = p.add(scanTime, "bigint");
            String sql = "SELECT " + column + " AS id, t.request_time, t.trace_id FROM traces t "
                    + "WHERE t.experiment_id = " + p.add(range.experimentId(), "bigint")
                    + range(p, "t.request_time", range.startMs(), null)
                    + " AND " + column + " IS NOT NULL"
                    + (userId == null ? "" : " AND t.user_id = " + p.add(userId, "varchar"))
                    + " AND t.request_time <= " + at
                    + (scanTraceId == null ? "" : " AND (t.request_time < " + at + " OR t.trace_id > "
                            + p.add(scanTraceId, "varchar") + ")")
                    + " ORDER BY t.request_time DESC, t.trace_id LIMIT " + p.add(chunk, "int");
            return db.execute(sql, p).chain(rows -> {
                // Summarise only as many new sessions (users) as the page can still take, plus one to
                // know whether there is a next page; the scan resumes after the last row consumed.
                int wanted = Math.max(1, limit + 1 - valid().size());
                Set<String> fresh = new LinkedHashSet<>();
                boolean stoppedEarly = false;
                for (Row r : rows) {
                    String id = r.getString("id");
                    if (!seen.containsKey(id) && !fresh.contains(id)) {
                        if (fresh.size() >= wanted) {
                            stoppedEarly = true;
                            break;
                        }
                        fresh.add(id);
                    }
                    scanTime = r.getLong("request_time");
                    scanTraceId = r.getString("trace_id");
                }
                exhausted = !stoppedEarly && rows.size() < chunk;
                chunk = Math.min(chunk * 2, MAX_CHUNK);
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

    /** A finished trace's execution duration (state OK or ERROR), else NULL. */
    private static final String FINISHED_DURATION =
            "CASE WHEN t.state IN ('OK', 'ERROR') THEN t.end_time - t.request_time END";

    /**
     * The columns of a group's stats ({@link #groupStats} reads them by name): times, traces,
     * errors, the other grouping's IDs, tokens, cost and latency percentiles. Over traces
     * {@code t} joined to {@link #usageLateral} {@code c}.
     */
    private static String statsColumns(String column, String other) {
        return column + " AS id, min(t.request_time) AS first_time, "
                + "max(t.request_time) AS last_time, count(*) AS traces, "
                + "count(*) FILTER (WHERE t.state = 'ERROR') AS errors, "
                + "(array_agg(DISTINCT " + other + ") FILTER (WHERE " + other + " IS NOT NULL))[1:" + MAX_OTHERS
                + "] AS others, count(DISTINCT " + other + ") AS other_count, "
                + "COALESCE(sum(t.input_tokens), 0)::bigint AS input_tokens, "
                + "COALESCE(sum(t.output_tokens), 0)::bigint AS output_tokens, "
                + "COALESCE(sum(t.total_tokens), 0)::bigint AS total_tokens, "
                + "sum(c.cost)::float8 AS cost, COALESCE(sum(c.unpriced), 0)::bigint AS unpriced_tokens, "
                // Finished traces only: an IN_PROGRESS trace has an end time too (its latest span's end),
                // which would count a partial duration; percentile_cont leaves out the NULLs.
                + "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + FINISHED_DURATION + ") AS p50_ms, "
                + "percentile_cont(0.95) WITHIN GROUP (ORDER BY " + FINISHED_DURATION + ") AS p95_ms";
    }

    /**
     * {@code LEFT JOIN LATERAL ... c}: the cost in dollars of trace {@code t}'s tokens of priced
     * models, and its total tokens of the others ({@code traces.model_usage}, migration V10),
     * priced by the table's first matching entry (exact names, then prefixes longest first, as
     * {@link ModelPrices#of}). The prices are bind parameters.
     */
    private String usageLateral(SqlParams p) {
        if (prices.isEmpty()) {
            return " LEFT JOIN LATERAL (SELECT NULL::numeric AS cost, t.total_tokens AS unpriced) c ON true";
        }
        List<ModelPrices.Price> list = prices.prices();
        String models = p.add(list.stream().map(ModelPrices.Price::model).toArray(String[]::new), "text[]");
        String prefix = p.add(list.stream().map(ModelPrices.Price::prefix).toArray(Boolean[]::new), "boolean[]");
        String in = p.add(list.stream().map(x -> x.input().toPlainString()).toArray(String[]::new), "text[]");
        String out = p.add(list.stream().map(x -> x.output().toPlainString()).toArray(String[]::new), "text[]");
        return " LEFT JOIN LATERAL (SELECT "
                + "sum((u.value ->> 0)::numeric * pr.input_price + (u.value ->> 1)::numeric * pr.output_price) "
                + "FILTER (WHERE pr.input_price IS NOT NULL) / 1000000 AS cost, "
                + "sum((u.value ->> 2)::numeric) FILTER (WHERE pr.input_price IS NULL) AS unpriced "
                + "FROM jsonb_each(t.model_usage) u LEFT JOIN LATERAL (SELECT x.input_price::numeric AS input_price, "
                + "x.output_price::numeric AS output_price "
                + "FROM unnest(" + models + ", " + prefix + ", " + in + ", " + out + ") WITH ORDINALITY "
                + "AS x(model, prefix, input_price, output_price, ord) "
                + "WHERE x.model = u.key OR (x.prefix AND starts_with(u.key, x.model)) ORDER BY x.ord LIMIT 1) pr ON true"
                + ") c ON true";
    }

    /** Stats and feedback summaries of some sessions or users, over the range. */
    private Uni<List<GroupStats>> summarise(Grouping g, TimeRange range, Set<String> ids) {
        String column = "t." + column(g);
        SqlParams p = new SqlParams();
        String stats = "SELECT " + statsColumns(column, "t." + other(g)) + " FROM traces t" + usageLateral(p)
                + " WHERE " + ofGroups(p, column, range, ids) + " GROUP BY 1";
        SqlParams f = new SqlParams();
        String feedback = feedbackOf(column, ofGroups(f, column, range, ids));
        // Independent queries: run on two pooled connections at once.
        return Uni.combine().all().unis(db.execute(feedback, f), db.execute(stats, p))
                .asTuple().map(both -> withFeedback(both.getItem2(), both.getItem1()));
    }

    /** The traces of the range whose session (user) is one of {@code ids}. */
    private static String ofGroups(SqlParams p, String column, TimeRange range, java.util.Collection<String> ids) {
        return "t.experiment_id = " + p.add(range.experimentId(), "bigint")
                + range(p, "t.request_time", range.startMs(), range.endMs())
                + " AND " + column + " = ANY(" + p.add(ids.toArray(String[]::new), "varchar[]") + ")";
    }

    private static String feedbackOf(String column, String where) {
        return "SELECT " + column + " AS id, a.name, " + FEEDBACK_TOTALS + " "
                + "FROM traces t JOIN assessments a ON a.trace_id = t.trace_id AND " + VALID_FEEDBACK
                + " WHERE " + where + " GROUP BY 1, 2 ORDER BY 1, 2";
    }

    /** The stats rows in their order, each with its feedback summaries. */
    private static List<GroupStats> withFeedback(RowSet<Row> stats, RowSet<Row> feedback) {
        Map<String, List<FeedbackSummary>> byId = new HashMap<>();
        for (Row r : feedback) {
            byId.computeIfAbsent(r.getString("id"), k -> new ArrayList<>())
                    .add(Totals.of(r).summary(r.getString("name"), null));
        }
        List<GroupStats> out = new ArrayList<>();
        for (Row r : stats) {
            out.add(groupStats(r, byId.getOrDefault(r.getString("id"), List.of())));
        }
        return out;
    }

    /**
     * A page of the sessions or users in an order other than the default: every group of the
     * range is summarised and sorted (its cost grows with the traces of the range, within the
     * search time limit), then the page's feedback is read. Paged by offset, up to
     * {@link GroupCursor#MAX_OFFSET}.
     */
    private Uni<Page<GroupStats>> sorted(Grouping g, TimeRange range, String userId, int limit, int offset,
                                         GroupOrder order) {
        SqlParams p = new SqlParams();
        String column = "t." + column(g);
        String where = "t.experiment_id = " + p.add(range.experimentId(), "bigint")
                + range(p, "t.request_time", range.startMs(), range.endMs())
                + " AND " + column + " IS NOT NULL";
        // A user's sessions are summarised over all their turns, as in the default order.
        String ofUser = userId == null ? "" : " HAVING bool_or(t.user_id = " + p.add(userId, "varchar") + ")";
        String dir = order.descending() ? " DESC" : " ASC";
        String stats = "SELECT " + statsColumns(column, "t." + other(g)) + " FROM traces t" + usageLateral(p)
                + " WHERE " + where + " GROUP BY 1" + ofUser + " ORDER BY " + orderColumn(order.column()) + dir + " NULLS LAST, 1" + dir
                + " LIMIT " + p.add(limit + 1, "int") + " OFFSET " + p.add(offset, "int");
        return db.execute(stats, p).chain(rows -> {
            List<String> ids = new ArrayList<>();
            rows.forEach(r -> ids.add(r.getString("id")));
            boolean more = ids.size() > limit && offset + limit < GroupCursor.MAX_OFFSET;
            GroupCursor next = more ? GroupCursor.atOffset(offset + limit) : null;
            if (ids.isEmpty()) {
                return Uni.createFrom().item(new Page<GroupStats>(List.of(), null));
            }
            SqlParams f = new SqlParams();
            return db.execute(feedbackOf(column, ofGroups(f, column, range, ids)), f).map(feedback -> {
                List<GroupStats> all = withFeedback(rows, feedback);
                return new Page<>(List.copyOf(all.subList(0, Math.min(limit, all.size()))), next);
            });
        });
    }

    /** The stats column a sort compares: a name of {@link #statsColumns}, never request text. */
    private static String orderColumn(GroupOrder.Column c) {
        return switch (c) {
            case LAST_ACTIVITY -> "last_time";
            case TRACES -> "traces";
            case ERROR_COUNT -> "errors";
            case TOTAL_TOKENS -> "total_tokens";
            case COST -> "cost";
            case P95_LATENCY -> "p95_ms";
        };
    }

    // ---- row mappers: one per entity, by column name --------------------------------------------

    private static GroupStats groupStats(Row r, List<FeedbackSummary> feedback) {
        String[] others = r.getArrayOfStrings("others");
        GroupStats.Usage usage = new GroupStats.Usage(r.getLong("input_tokens"), r.getLong("output_tokens"),
                r.getLong("total_tokens"), r.getDouble("cost"), r.getLong("unpriced_tokens"), r.getDouble("p50_ms"),
                r.getDouble("p95_ms"));
        return new GroupStats(r.getString("id"), r.getLong("first_time"), r.getLong("last_time"), r.getLong("traces"),
                r.getLong("errors"), others == null ? List.of() : Arrays.asList(others), r.getLong("other_count"), feedback,
                usage);
    }

    private static SessionTurn sessionTurn(Row r, List<SessionTurn.Feedback> feedback) {
        return new SessionTurn(r.getString("trace_id"), r.getLong("request_time"), r.getLong("end_time"),
                r.getString("state"), r.getString("user_id"), r.getString("client_request_id"),
                r.getString("request_preview"), r.getString("response_preview"), feedback);
    }

    private static SessionTurn.Feedback turnFeedback(Row r) {
        return new SessionTurn.Feedback(r.getString("assessment_id"), r.getString("name"), r.getString("value_json"),
                r.getString("rationale"), r.getString("source_type"), r.getString("source_id"), r.getLong("create_time"));
    }

    @Override
    public Uni<List<SessionTurn>> sessionTurns(TimeRange range, String sessionId) {
        SqlParams p = new SqlParams();
        String sql = "SELECT " + TURN_COLUMNS + " FROM traces t "
                + "WHERE t.experiment_id = " + p.add(range.experimentId(), "bigint")
                + range(p, "t.request_time", range.startMs(), range.endMs())
                + " AND t.session_id = " + p.add(sessionId, "varchar")
                + " ORDER BY t.request_time, t.trace_id LIMIT " + p.add(SessionTurn.MAX_TURNS + 1, "int");
        return db.execute(sql, p).chain(rows -> {
            List<Row> turns = new ArrayList<>();
            rows.forEach(turns::add);
            if (turns.isEmpty()) {
                return Uni.createFrom().item(List.<SessionTurn>of());
            }
            SqlParams f = new SqlParams();
            String ids = f.add(turns.stream().map(r -> r.getString("trace_id")).toArray(String[]::new), "varchar[]");
            String feedbackSql = "SELECT a.trace_id, a.assessment_id, a.name, a.value_json, a.rationale, a.source_type, "
                    + "a.source_id, a.create_time FROM assessments a WHERE a.trace_id = ANY(" + ids + ") AND "
                    + VALID_FEEDBACK + " ORDER BY a.create_time, a.assessment_id";
            return db.execute(feedbackSql, f).map(fb -> {
                Map<String, List<SessionTurn.Feedback>> byTrace = new HashMap<>();
                for (Row r : fb) {
                    byTrace.computeIfAbsent(r.getString("trace_id"), k -> new ArrayList<>()).add(turnFeedback(r));
                }
                return turns.stream().map(r -> sessionTurn(r,
                        byTrace.getOrDefault(r.getString("trace_id"), List.of()))).toList();
            });
        });
    }

    /**
     * Whole hours of the range come from {@code feedback_rollup} (migration V5), the partial
     * hours at its ends from the feedback rows; a key that is not rolled up ({@link #rolledUp})
     * is computed from the rows over the whole range.
     */
    @Override
    public Uni<List<FeedbackSummary>> feedback(TimeRange range, GroupKey groupBy, String name) {
        if (groupBy != null && !rolledUp(groupBy)) {
            return liveFeedback(range.experimentId(), range.startMs(), range.endMs(), groupBy, name)
                    .map(PgAnalyticsStore::sorted);
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

    /**
     * Whether {@code feedback_rollup} holds this key: metadata and tag keys but the reserved
     * {@code mlflow.*} ones that hold one value per trace, the rule of the SQL function
     * {@code tb_rollup_key} (migration V5; {@code SchemaRulesAgreeTest} compares the two).
     */
    static boolean rolledUp(GroupKey k) {
        return (k.source() == GroupKey.Source.METADATA || k.source() == GroupKey.Source.TAG)
                && (!k.key().startsWith("mlflow.") || Schema.ROLLED_UP_RESERVED_KEYS.contains(k.key()));
    }

    /** The {@code dim} of a key's rows in {@code feedback_rollup}. */
    private static String rollupDim(GroupKey k) {
        return k.source() == GroupKey.Source.TAG ? "t" : "m";
    }

    /**
     * A LEFT JOIN exposing the group value as {@code g.value} for the trace {@code traceId}.
     * Session and user are metadata to MLflow but trace columns here, so they read the column.
     */
    private static String join(SqlParams p, GroupKey k, String traceId) {
        return switch (k.source()) {
            case METADATA -> " LEFT JOIN trace_metadata g ON g.trace_id = " + traceId + " AND g.key = "
                    + p.add(k.key(), "varchar");
            case TAG -> " LEFT JOIN trace_tags g ON g.trace_id = " + traceId + " AND g.key = " + p.add(k.key(), "varchar");
            case SESSION, USER -> " LEFT JOIN LATERAL (SELECT tr." + (k.source() == GroupKey.Source.SESSION ? "session_id" : "user_id")
                    + " AS value FROM traces tr WHERE tr.trace_id = " + traceId + ") g ON true";
        };
    }

    /** A summary with its raw numeric totals, so that parts of a range add up exactly. */
    private record Grouped(String name, String group, Totals totals) {
        FeedbackSummary summary() {
            return totals.summary(name, group);
        }
    }

    /** Counts of some feedback: all, positive, negative, and the count and sum of numeric values. */
    private record Totals(long count, long positive, long negative, long numCount, double numSum) {
        /** Reads the columns of {@link #FEEDBACK_TOTALS} or {@link #ROLLUP_TOTALS}. */
        static Totals of(Row r) {
            Double sum = r.getDouble("num_sum");
            return new Totals(r.getLong("cnt"), r.getLong("pos"), r.getLong("neg"), r.getLong("num_cnt"),
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

    /** Valid feedback of the experiment on traces of [from, to), of one name when given. */
    private static String liveWhere(SqlParams p, long experimentId, Long from, Long to, String name) {
        return "a.experiment_id = " + p.add(experimentId, "bigint") + " AND " + VALID_FEEDBACK
                + range(p, "a.trace_time", from, to)
                + (name == null ? "" : " AND a.name = " + p.add(name, "varchar"));
    }

    /** The rollup rows of one dimension and key over the hours [from, to), of one name when given. */
    private static String rollupWhere(SqlParams p, long experimentId, String dim, String dimKey, Long from, Long to,
                                      String name) {
        return "experiment_id = " + p.add(experimentId, "bigint") + " AND dim = " + p.add(dim, "varchar")
                + " AND dim_key = " + p.add(dimKey, "varchar") + range(p, "hour_ms", from, to)
                + (name == null ? "" : " AND name = " + p.add(name, "varchar"));
    }

    /**
     * Feedback of [from, to) from the rows, grouped by the key's value when there is one (its first
     * {@link Schema#INDEXED_PREFIX_CHARS} characters, where the rollup cuts it).
     */
    private Uni<List<Grouped>> liveFeedback(long experimentId, Long from, Long to, GroupKey groupBy, String name) {
        SqlParams p = new SqlParams();
        String group = groupBy == null ? "NULL::text" : "left(g.value, " + Schema.INDEXED_PREFIX_CHARS + ")";
        String join = groupBy == null ? "" : join(p, groupBy, "a.trace_id");
        String sql = "SELECT a.name, " + group + " AS grp, " + FEEDBACK_TOTALS + " FROM assessments a" + join
                + " WHERE " + liveWhere(p, experimentId, from, to, name) + " GROUP BY 1, 2";
        return db.execute(sql, p).map(rows -> {
            List<Grouped> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new Grouped(r.getString("name"), r.getString("grp"), Totals.of(r)));
            }
            return out;
        });
    }

    /**
     * Feedback of the whole hours from the rollup: per name, and with a key per value; the
     * feedback on traces without the key (group null) is the name's total less its values.
     */
    private Uni<List<Grouped>> rolledUpFeedback(long experimentId, Split split, GroupKey groupBy, String name) {
        SqlParams tp = new SqlParams();
        String totalsSql = "SELECT name, " + ROLLUP_TOTALS + " FROM feedback_rollup WHERE "
                + rollupWhere(tp, experimentId, ROLLUP_TOTAL_DIM, "", split.hourStart(), split.hourEnd(), name)
                + " GROUP BY 1";
        Uni<Map<String, Totals>> totals = db.execute(totalsSql, tp).map(rows -> {
            Map<String, Totals> out = new HashMap<>();
            rows.forEach(r -> out.put(r.getString("name"), Totals.of(r)));
            return out;
        });
        if (groupBy == null) {
            return totals.map(t -> t.entrySet().stream().map(e -> new Grouped(e.getKey(), null, e.getValue())).toList());
        }
        SqlParams vp = new SqlParams();
        String valuesSql = "SELECT name, dim_value, " + ROLLUP_TOTALS + " FROM feedback_rollup WHERE "
                + rollupWhere(vp, experimentId, rollupDim(groupBy), groupBy.key(), split.hourStart(), split.hourEnd(), name)
                + " GROUP BY 1, 2";
        return totals.chain(t -> db.execute(valuesSql, vp).map(rows -> {
            List<Grouped> out = new ArrayList<>();
            Map<String, Totals> rest = new HashMap<>(t);
            for (Row r : rows) {
                Totals v = Totals.of(r);
                out.add(new Grouped(r.getString("name"), r.getString("dim_value"), v));
                rest.computeIfPresent(r.getString("name"), (k, total) -> total.minus(v));
            }
            rest.forEach((n, v) -> out.add(new Grouped(n, null, v)));
            return out;
        }));
    }

    /** From the rollup for whole hours and from the edge rows for partial ones. */
    @Override
    public Uni<List<TimelinePoint>> timeline(TimeRange range, String name, long intervalMs) {
        if (range.startMs() != null && range.endMs() != null
                && (range.endMs() - range.startMs()) / intervalMs > MAX_BUCKETS) {
            throw tooManyBuckets();
        }
        Split split = Split.of(range);
        Map<List<Object>, Totals> acc = new HashMap<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Long[] edge : split.edges()) {
            SqlParams p = new SqlParams();
            // Buckets floor toward minus infinity, like the rollup's hours (tb_hour) and Split.
            String live = "SELECT a.name, " + bucket(p, "a.trace_time", intervalMs) + ", " + FEEDBACK_TOTALS
                    + " FROM assessments a WHERE " + liveWhere(p, range.experimentId(), edge[0], edge[1], name)
                    + " GROUP BY 1, 2";
            chain = chain.chain(() -> db.execute(live, p)
                    .invoke(rows -> rows.forEach(r -> acc.merge(List.of(r.getString("name"), r.getLong("bucket")),
                            Totals.of(r), Totals::plus)))
                    .replaceWithVoid());
        }
        if (split.hasHours()) {
            SqlParams p = new SqlParams();
            String rolled = "SELECT name, " + bucket(p, "hour_ms", intervalMs) + ", " + ROLLUP_TOTALS
                    + " FROM feedback_rollup WHERE "
                    + rollupWhere(p, range.experimentId(), ROLLUP_TOTAL_DIM, "", split.hourStart(), split.hourEnd(), name)
                    + " GROUP BY 1, 2";
            chain = chain.chain(() -> db.execute(rolled, p)
                    .invoke(rows -> rows.forEach(r -> acc.merge(List.of(r.getString("name"), r.getLong("bucket")),
                            Totals.of(r), Totals::plus)))
                    .replaceWithVoid());
        }
        return chain.map(v -> {
            List<Map.Entry<List<Object>, Totals>> entries = acc.entrySet().stream()
                    .filter(e -> e.getValue().count() > 0)
                    .sorted(Comparator.comparing((Map.Entry<List<Object>, Totals> e) -> (String) e.getKey().get(0))
                            .thenComparing(e -> (Long) e.getKey().get(1)))
                    .toList();
            if (entries.stream().map(e -> e.getKey().get(1)).distinct().count() > MAX_BUCKETS) {
                throw tooManyBuckets();
            }
            return entries.stream().map(e -> new TimelinePoint((Long) e.getKey().get(1),
                    e.getValue().summary((String) e.getKey().get(0), null))).toList();
        });
    }

    /** The start of a time's bucket of {@code intervalMs}, floored toward minus infinity. */
    private static String bucket(SqlParams p, String time, long intervalMs) {
        String i = p.add(intervalMs, "bigint");
        return time + " - ((" + time + " % " + i + ") + " + i + ") % " + i + " AS bucket";
    }

    private static MlflowException tooManyBuckets() {
        return MlflowException.invalid("The range holds more than " + MAX_BUCKETS
                + " buckets of this interval; choose a larger interval or a shorter range");
    }
}

package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.mapping.Rank;
import io.tracebridge.mapping.SpanRecord;
import io.tracebridge.mapping.TraceDraft;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceState;
import io.tracebridge.model.TraceTagKeys;
import io.tracebridge.search.TraceQuery;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link TraceStore} on the raw reactive PostgreSQL client: the ingest hot path. One request is
 * four statements in one transaction, each a multi-row upsert over {@code unnest} arrays, so the
 * number of round trips does not grow with the number of spans.
 */
@ApplicationScoped
public class PgTraceStore implements TraceStore {

    private static final String UPSERT_TRACES = """
            INSERT INTO traces AS t (trace_id, experiment_id, client_request_id, client_request_id_rank,
                session_id, session_rank, user_id, user_rank, request_time, end_time, state, has_root,
                request_preview, response_preview, request_preview_source, response_preview_source, span_part)
            SELECT *, $17::date FROM unnest($1::varchar[], $2::bigint[], $3::varchar[], $4::smallint[], $5::varchar[],
                $6::smallint[], $7::varchar[], $8::smallint[], $9::bigint[], $10::bigint[], $11::varchar[],
                $12::boolean[], $13::text[], $14::text[], $15::varchar[], $16::varchar[])
            ORDER BY 1
            ON CONFLICT (trace_id) DO UPDATE SET
                client_request_id = CASE WHEN EXCLUDED.client_request_id_rank > t.client_request_id_rank
                    THEN EXCLUDED.client_request_id ELSE t.client_request_id END,
                client_request_id_rank = GREATEST(t.client_request_id_rank, EXCLUDED.client_request_id_rank),
                session_id = CASE WHEN EXCLUDED.session_rank > t.session_rank
                    THEN EXCLUDED.session_id ELSE t.session_id END,
                session_rank = GREATEST(t.session_rank, EXCLUDED.session_rank),
                user_id = CASE WHEN EXCLUDED.user_rank > t.user_rank THEN EXCLUDED.user_id ELSE t.user_id END,
                user_rank = GREATEST(t.user_rank, EXCLUDED.user_rank),
                request_time = CASE WHEN t.info_finalized THEN t.request_time
                    ELSE LEAST(t.request_time, EXCLUDED.request_time) END,
                end_time = CASE WHEN t.info_finalized THEN t.end_time
                    ELSE GREATEST(t.end_time, EXCLUDED.end_time) END,
                state = CASE WHEN t.state IN ('IN_PROGRESS', 'STATE_UNSPECIFIED') AND EXCLUDED.has_root
                    THEN EXCLUDED.state ELSE t.state END,
                has_root = t.has_root OR EXCLUDED.has_root,
                request_preview = CASE WHEN %1$s THEN EXCLUDED.request_preview ELSE t.request_preview END,
                request_preview_source = CASE WHEN %1$s THEN EXCLUDED.request_preview_source
                    ELSE t.request_preview_source END,
                response_preview = CASE WHEN %2$s THEN EXCLUDED.response_preview ELSE t.response_preview END,
                response_preview_source = CASE WHEN %2$s THEN EXCLUDED.response_preview_source
                    ELSE t.response_preview_source END
            WHERE t.experiment_id = EXCLUDED.experiment_id
            RETURNING t.trace_id, t.span_part
            """.formatted(previewWins("request"), previewWins("response"));

    /**
     * Whether the batch's preview replaces the stored one: it has the lower source key
     * ({@code TraceDraft.previewSource}: the root, else the span nearest the root; StartTraceV3's
     * empty key beats every span). A preview stored before source keys existed came from the root.
     */
    private static String previewWins(String which) {
        return ("EXCLUDED.%1$s_preview_source IS NOT NULL AND EXCLUDED.%1$s_preview_source < COALESCE("
                + "t.%1$s_preview_source, CASE WHEN t.%1$s_preview IS NULL THEN '~' ELSE '0' END)").formatted(which);
    }

    private static final String UPSERT_SPANS = """
            INSERT INTO spans AS s (trace_id, span_id, parent_span_id, name, span_type, status,
                start_time_ns, end_time_ns, content, input_tokens, output_tokens, total_tokens, span_part, model)
            SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::text[],
                $6::varchar[], $7::bigint[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[],
                $13::date[], $14::varchar[])
            ON CONFLICT (trace_id, span_id, span_part) DO UPDATE SET
                parent_span_id = EXCLUDED.parent_span_id, name = EXCLUDED.name,
                span_type = EXCLUDED.span_type, status = EXCLUDED.status,
                start_time_ns = EXCLUDED.start_time_ns, end_time_ns = EXCLUDED.end_time_ns,
                content = EXCLUDED.content, input_tokens = EXCLUDED.input_tokens,
                output_tokens = EXCLUDED.output_tokens, total_tokens = EXCLUDED.total_tokens, model = EXCLUDED.model
            WHERE s.content IS DISTINCT FROM EXCLUDED.content
            """;

    /**
     * {@code mlflow.trace.tokenUsage} of the batch's traces, recomputed over every stored span (so
     * batches in any order and re-sent batches count each span once), as MLflow aggregates it: the
     * sum over spans that report token counts, leaving out a span when one of its ancestors
     * reports counts too (a parent that already rolls up its children). The walk up each
     * reporting span's parents stops after 64 steps (parent cycles in hostile input). A value from
     * StartTraceV3 ({@code Rank.EXPLICIT}) stays. A trace without reporting spans costs one probe of the partial
     * index of migration V7, in its own partition ($4: each trace's span_part; $5 the distinct
     * days, so that only those partitions are planned and locked). The same sums, in total and
     * per model ({@code on_traces}: {@code traces.input_tokens} ... {@code model_usage}, migration
     * V10), are kept on the trace row for the analytics' tokens and cost; that row is locked by
     * this transaction's trace upsert already.
     */
    private static final String UPSERT_TOKEN_USAGE = """
            WITH RECURSIVE usage AS (
                SELECT s.trace_id, s.span_part, s.span_id, s.parent_span_id, s.input_tokens, s.output_tokens, s.total_tokens,
                    s.model
                FROM unnest($1::varchar[], $4::date[]) AS b(trace_id, span_part)
                JOIN spans s ON s.trace_id = b.trace_id AND s.span_part = b.span_part
                WHERE s.span_part = ANY($5::date[])
                    AND (s.input_tokens IS NOT NULL OR s.output_tokens IS NOT NULL OR s.total_tokens IS NOT NULL)
            ), walk AS (
                SELECT trace_id, span_part, span_id AS origin, parent_span_id AS ancestor, 1 AS depth
                FROM usage WHERE parent_span_id IS NOT NULL
                UNION ALL
                SELECT w.trace_id, w.span_part, w.origin, s.parent_span_id, w.depth + 1
                FROM walk w JOIN spans s ON s.trace_id = w.trace_id AND s.span_part = w.span_part AND s.span_id = w.ancestor
                WHERE s.span_part = ANY($5::date[]) AND s.parent_span_id IS NOT NULL AND w.depth < 64
            ), per_model AS (
                SELECT u.trace_id, COALESCE(u.model, '') AS model, sum(COALESCE(u.input_tokens, 0)) AS input,
                    sum(COALESCE(u.output_tokens, 0)) AS output,
                    sum(COALESCE(u.total_tokens, COALESCE(u.input_tokens, 0) + COALESCE(u.output_tokens, 0))) AS total
                FROM usage u
                WHERE NOT EXISTS (SELECT 1 FROM walk w JOIN usage a ON a.trace_id = w.trace_id AND a.span_id = w.ancestor
                                  WHERE w.trace_id = u.trace_id AND w.origin = u.span_id)
                GROUP BY 1, 2
            ), sums AS (
                SELECT trace_id, sum(input) AS input, sum(output) AS output, sum(total) AS total,
                    jsonb_object_agg(model, jsonb_build_array(input, output, total)) AS by_model
                FROM per_model GROUP BY trace_id
            ), on_traces AS (
                UPDATE traces t SET input_tokens = s.input, output_tokens = s.output, total_tokens = s.total,
                    model_usage = s.by_model
                FROM sums s
                WHERE t.trace_id = s.trace_id AND t.model_usage IS DISTINCT FROM s.by_model
            )
            INSERT INTO trace_metadata AS m (trace_id, key, value, rank, source)
            SELECT trace_id, 'mlflow.trace.tokenUsage',
                format('{"input_tokens": %s, "output_tokens": %s, "total_tokens": %s}', input, output, total), $2::smallint, ''
            FROM sums ORDER BY trace_id
            ON CONFLICT (trace_id, key) DO UPDATE SET value = EXCLUDED.value, rank = EXCLUDED.rank,
                source = EXCLUDED.source
            WHERE m.rank < $3::smallint AND (m.value <> EXCLUDED.value OR m.rank <> EXCLUDED.rank
                OR m.source IS DISTINCT FROM EXCLUDED.source)
            """;

    /**
     * Spans already stored per trace of the batch (index-only scans of the primary key of the
     * trace's own partition: $2 holds each trace's span_part, $3 the distinct days, so that only
     * those partitions are planned and locked).
     */
    private static final String SPAN_COUNTS = """
            SELECT t.id AS trace_id, (SELECT count(*) FROM spans s
                WHERE s.trace_id = t.id AND s.span_part = t.part AND s.span_part = ANY($3::date[])) AS spans
            FROM unnest($1::varchar[], $2::date[]) AS t(id, part)
            """;

    /**
     * Metadata: a higher rank replaces; among equal span ranks the lower source key (the span
     * nearest the root, then the one that started first; {@code mapping.Source}), so batches merge
     * the same in any order; among explicit writers the first one stays. A value stored before
     * source keys existed loses to any span of its rank.
     */
    private static final String UPSERT_METADATA = """
            INSERT INTO trace_metadata AS m (trace_id, key, value, rank, source)
            SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::smallint[], $5::varchar[])
            ON CONFLICT (trace_id, key) DO UPDATE SET value = EXCLUDED.value, rank = EXCLUDED.rank,
                source = EXCLUDED.source
            WHERE EXCLUDED.rank > m.rank
                OR (EXCLUDED.rank = m.rank AND EXCLUDED.rank < $6::smallint
                    AND EXCLUDED.source < COALESCE(m.source, '~~'))
            """;

    /**
     * Tags: as metadata, except that among explicit writers the last one wins; unchanged rows are
     * not rewritten.
     */
    private static final String UPSERT_TAGS = """
            INSERT INTO trace_tags AS g (trace_id, key, value, rank, source)
            SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::smallint[], $5::varchar[])
            ON CONFLICT (trace_id, key) DO UPDATE SET value = EXCLUDED.value, rank = EXCLUDED.rank,
                source = EXCLUDED.source
            WHERE (EXCLUDED.rank > g.rank
                    OR (EXCLUDED.rank = g.rank AND (EXCLUDED.rank >= $6::smallint
                        OR EXCLUDED.source < COALESCE(g.source, '~~'))))
                AND (g.value <> EXCLUDED.value OR g.rank <> EXCLUDED.rank
                    OR g.source IS DISTINCT FROM EXCLUDED.source)
            """;

    /** The partition day of each of the traces $1. */
    static final String SELECT_SPAN_PARTS = "SELECT trace_id, span_part FROM traces WHERE trace_id = ANY($1)";

    /**
     * The spans of traces $1 whose days are $2 (both from {@link #SELECT_SPAN_PARTS}): the planner
     * keeps only those days' partitions.
     */
    static final String SELECT_SPANS = """
            SELECT trace_id, content FROM spans WHERE trace_id = ANY($1) AND span_part = ANY($2::date[])
            ORDER BY trace_id, start_time_ns, span_id
            """;

    private static final String SELECT_TRACES = """
            SELECT trace_id, experiment_id, client_request_id, session_id, user_id, request_time, end_time,
                state, has_root, request_preview, response_preview
            FROM traces WHERE trace_id = ANY($1)
            """;

    private final Pool pool;
    private final ReadPool reads;
    private final SearchStatements searches;
    private final java.time.Duration writeTimeout;
    private final java.time.Clock clock;
    private final SpanPartitionStore partitions;

    public PgTraceStore(Pool pool, ReadPool reads, SearchStatements searches, io.tracebridge.ops.TracebridgeConfig config,
                        java.time.Clock clock, SpanPartitionStore partitions) {
        this.pool = pool;
        this.partitions = partitions;
        this.reads = reads;
        this.clock = clock;
        this.searches = searches;
        this.writeTimeout = config.db().writeTimeout();
    }

    /**
     * The trace upsert returns the traces this experiment holds (inserted, or updated because they
     * were already its own). A trace of another experiment is not updated (the upsert's WHERE) but
     * its row is locked all the same, and a trace being created by a concurrent transaction is
     * waited for; so the rest of the batch, written only for the returned traces, can never touch
     * another experiment's trace, whatever runs beside it.
     */
    @Override
    public Uni<WriteOutcome> write(Experiment experiment, List<TraceDraft> drafts, int maxSpansPerTrace) {
        if (drafts.isEmpty()) {
            return Uni.createFrom().item(WriteOutcome.NOTHING_LEFT_OUT);
        }
        return write(experiment, drafts, maxSpansPerTrace, true);
    }

    private Uni<WriteOutcome> write(Experiment experiment, List<TraceDraft> drafts, int maxSpansPerTrace, boolean firstTry) {
        LocalDate today = SpanPartitionStore.dayOf(clock.millis());
        Tuple traces = traceRows(experiment, drafts).addValue(today);
        java.util.Set<LocalDate> batchDays = java.util.concurrent.ConcurrentHashMap.newKeySet();
        batchDays.add(today);
        return pool.withTransaction(conn -> conn.preparedQuery(UPSERT_TRACES).execute(traces)
                        .chain(owned -> {
                            // Each trace's partition: today's for a new trace, the first day's for one stored before.
                            Map<String, LocalDate> own = new HashMap<>();
                            for (Row r : owned) {
                                own.put(r.getString("trace_id"), r.getLocalDate("span_part"));
                            }
                            batchDays.addAll(own.values());
                            Map<String, Integer> foreign = new java.util.TreeMap<>();
                            List<TraceDraft> mine = new ArrayList<>(drafts.size());
                            for (TraceDraft d : drafts) {
                                if (own.containsKey(d.traceId())) {
                                    mine.add(d);
                                } else {
                                    foreign.merge(d.traceId(), d.spans().size(), Integer::sum);
                                }
                            }
                            if (mine.isEmpty()) {
                                return Uni.createFrom().item(new WriteOutcome(0, foreign));
                            }
                            return writeOwn(conn, experiment, mine, own, maxSpansPerTrace)
                                    .map(overCap -> new WriteOutcome(overCap, foreign));
                        }))
                // A day whose partition is missing (the service was down when it should have been
                // made, or the clock jumped): make it, and write again.
                .onFailure(t -> firstTry && StoreFailures.isMissingPartition(t))
                .recoverWithUni(t -> io.smallrye.mutiny.Multi.createFrom().iterable(todayFirst(today, batchDays))
                        .onItem().transformToUniAndConcatenate(partitions::ensure).collect().last()
                        .chain(() -> write(experiment, drafts, maxSpansPerTrace, false)))
                .onFailure(Sql::isRetryable).retry().atMost(3)
                // The whole write, retries included: a frozen backend never answers.
                .ifNoItem().after(writeTimeout).failWith(() -> new StoreTimeoutException("The batch's transaction", writeTimeout));
    }

    /** Spans (within the cap), metadata, tags and pending feedback of traces the experiment holds. */
    private Uni<Integer> writeOwn(SqlConnection conn, Experiment experiment, List<TraceDraft> drafts,
                                  Map<String, LocalDate> parts, int maxSpansPerTrace) {
        Tuple metadata = metadataRows(drafts);
        Tuple tags = tagRows(experiment, drafts);
        String[] requestIds = drafts.stream().map(d -> d.value(TraceDraft.Field.CLIENT_REQUEST_ID))
                .filter(java.util.Objects::nonNull).map(Sql::text).distinct().toArray(String[]::new);
        String[] traceIds = drafts.stream().map(TraceDraft::traceId).distinct().toArray(String[]::new);
        LocalDate[] traceParts = java.util.Arrays.stream(traceIds).map(parts::get).toArray(LocalDate[]::new);
        LocalDate[] days = SpanPartitionStore.days(java.util.Arrays.asList(traceParts));
        return conn.preparedQuery(SPAN_COUNTS).execute(Tuple.of(traceIds, traceParts, days))
                .chain(counts -> {
                    java.util.Set<String> full = new java.util.HashSet<>();
                    for (Row r : counts) {
                        if (r.getLong("spans") >= maxSpansPerTrace) {
                            full.add(r.getString("trace_id"));
                        }
                    }
                    List<TraceDraft> open = full.isEmpty() ? drafts
                            : drafts.stream().filter(d -> !full.contains(d.traceId())).toList();
                    int refused = drafts.stream().filter(d -> full.contains(d.traceId()))
                            .mapToInt(d -> d.spans().size()).sum();
                    Uni<?> spans = open.isEmpty() ? Uni.createFrom().voidItem()
                            : conn.preparedQuery(UPSERT_SPANS).execute(spanRows(open, parts));
                    return spans.replaceWith(refused);
                })
                .call(() -> execIfAny(conn, UPSERT_METADATA, metadata))
                .call(() -> conn.preparedQuery(UPSERT_TOKEN_USAGE).execute(Tuple.from(new Object[] {traceIds, Rank.ROOT_SPAN, Rank.EXPLICIT, traceParts, days})))
                .call(() -> conn.preparedQuery(UPSERT_TAGS).execute(tags))
                .call(() -> requestIds.length == 0 ? Uni.createFrom().voidItem()
                        : conn.preparedQuery(PendingFeedbackSql.ATTACH)
                        .execute(Tuple.of(clock.millis(), requestIds, traceIds)));
    }

    /** Today, then the other days in order: the day every new trace of the batch needs comes first. */
    private static List<LocalDate> todayFirst(LocalDate today, java.util.Set<LocalDate> days) {
        List<LocalDate> out = new ArrayList<>(List.of(today));
        new java.util.TreeSet<>(days).stream().filter(d -> !d.equals(today)).forEach(out::add);
        return out;
    }

    private static Uni<?> execIfAny(SqlConnection conn, String sql, Tuple rows) {
        Object[] first = (Object[]) rows.getValue(0);
        return first.length == 0 ? Uni.createFrom().voidItem() : conn.preparedQuery(sql).execute(rows);
    }

    private static Tuple traceRows(Experiment experiment, List<TraceDraft> drafts) {
        int n = drafts.size();
        String[] ids = new String[n];
        Long[] exp = new Long[n];
        String[] crid = new String[n];
        Short[] cridRank = new Short[n];
        String[] session = new String[n];
        Short[] sessionRank = new Short[n];
        String[] user = new String[n];
        Short[] userRank = new Short[n];
        Long[] start = new Long[n];
        Long[] end = new Long[n];
        String[] state = new String[n];
        Boolean[] hasRoot = new Boolean[n];
        String[] reqPreview = new String[n];
        String[] respPreview = new String[n];
        String[] reqPreviewSource = new String[n];
        String[] respPreviewSource = new String[n];
        long experimentId = Long.parseLong(experiment.experimentId());
        for (int i = 0; i < n; i++) {
            TraceDraft d = drafts.get(i);
            ids[i] = d.traceId();
            exp[i] = experimentId;
            crid[i] = Sql.text(d.value(TraceDraft.Field.CLIENT_REQUEST_ID));
            cridRank[i] = d.rank(TraceDraft.Field.CLIENT_REQUEST_ID);
            session[i] = Sql.text(d.value(TraceDraft.Field.SESSION));
            sessionRank[i] = d.rank(TraceDraft.Field.SESSION);
            user[i] = Sql.text(d.value(TraceDraft.Field.USER));
            userRank[i] = d.rank(TraceDraft.Field.USER);
            start[i] = d.requestTimeMs();
            end[i] = d.endTimeMs();
            state[i] = d.state().name();
            hasRoot[i] = d.hasRoot();
            reqPreview[i] = Sql.text(d.value(TraceDraft.Field.REQUEST_PREVIEW));
            respPreview[i] = Sql.text(d.value(TraceDraft.Field.RESPONSE_PREVIEW));
            reqPreviewSource[i] = d.previewSource(TraceDraft.Field.REQUEST_PREVIEW);
            respPreviewSource[i] = d.previewSource(TraceDraft.Field.RESPONSE_PREVIEW);
        }
        return Tuple.from(new Object[] {ids, exp, crid, cridRank, session, sessionRank, user, userRank,
                start, end, state, hasRoot, reqPreview, respPreview, reqPreviewSource, respPreviewSource});
    }

    private static Tuple spanRows(List<TraceDraft> drafts, Map<String, LocalDate> parts) {
        int n = 0;
        for (TraceDraft d : drafts) {
            n += d.spans().size();
        }
        String[] traceIds = new String[n];
        String[] spanIds = new String[n];
        String[] parents = new String[n];
        String[] names = new String[n];
        String[] types = new String[n];
        String[] statuses = new String[n];
        Long[] starts = new Long[n];
        Long[] ends = new Long[n];
        String[] contents = new String[n];
        Long[] inputTokens = new Long[n];
        Long[] outputTokens = new Long[n];
        Long[] totalTokens = new Long[n];
        LocalDate[] spanParts = new LocalDate[n];
        String[] models = new String[n];
        int i = 0;
        for (TraceDraft d : drafts) {
            for (SpanRecord s : d.spans()) {
                traceIds[i] = s.traceId();
                spanIds[i] = s.spanId();
                parents[i] = s.parentSpanId();
                names[i] = Sql.text(s.name());
                types[i] = Sql.text(s.spanType());
                statuses[i] = s.status();
                starts[i] = s.startTimeNanos();
                ends[i] = s.endTimeNanos();
                contents[i] = s.content();
                if (s.tokens() != null) {
                    inputTokens[i] = s.tokens().input();
                    outputTokens[i] = s.tokens().output();
                    totalTokens[i] = s.tokens().total();
                    models[i] = Sql.text(s.tokens().model());
                }
                spanParts[i] = parts.get(d.traceId());
                i++;
            }
        }
        return Tuple.from(new Object[] {traceIds, spanIds, parents, names, types, statuses, starts, ends, contents,
                inputTokens, outputTokens, totalTokens, spanParts, models});
    }

    private static Tuple metadataRows(List<TraceDraft> drafts) {
        KeyValueRows rows = new KeyValueRows();
        for (TraceDraft d : drafts) {
            d.metadata().forEach((k, v) -> rows.add(d.traceId(), k, v.value(), v.rank(), v.source()));
        }
        return rows.tuple();
    }

    /** The draft's tags plus the server-owned location tags MLflow clients rely on. */
    private static Tuple tagRows(Experiment experiment, List<TraceDraft> drafts) {
        KeyValueRows rows = new KeyValueRows();
        for (TraceDraft d : drafts) {
            d.tags().forEach((k, v) -> {
                if (!k.equals(TraceTagKeys.ARTIFACT_LOCATION) && !k.equals(TraceTagKeys.SPANS_LOCATION)) {
                    rows.add(d.traceId(), k, v.value(), v.rank(), v.source());
                }
            });
            rows.add(d.traceId(), TraceTagKeys.ARTIFACT_LOCATION,
                    artifactLocation(experiment, d.traceId()), Rank.EXPLICIT, null);
            rows.add(d.traceId(), TraceTagKeys.SPANS_LOCATION, TraceTagKeys.SPANS_LOCATION_TRACKING_STORE,
                    Rank.EXPLICIT, null);
        }
        return rows.tuple();
    }

    static String artifactLocation(Experiment experiment, String traceId) {
        String root = experiment.artifactLocation();
        if (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        return root + "/traces/" + traceId + "/artifacts";
    }

    /** Column arrays for (trace_id, key, value, rank) upserts. */
    private static final class KeyValueRows {
        private final List<String> traceIds = new ArrayList<>();
        private final List<String> keys = new ArrayList<>();
        private final List<String> values = new ArrayList<>();
        private final List<Short> ranks = new ArrayList<>();
        private final List<String> sources = new ArrayList<>();

        void add(String traceId, String key, String value, short rank, String source) {
            traceIds.add(traceId);
            keys.add(Sql.text(key));
            values.add(Sql.text(value));
            ranks.add(rank);
            sources.add(source);
        }

        /** The five row arrays, and the explicit rank the merge rules compare with ($6). */
        Tuple tuple() {
            return Tuple.from(new Object[] {traceIds.toArray(String[]::new), keys.toArray(String[]::new),
                    values.toArray(String[]::new), ranks.toArray(Short[]::new), sources.toArray(String[]::new),
                    Rank.EXPLICIT});
        }
    }

    @Override
    public Uni<Long> experimentOf(String traceId) {
        return pool.preparedQuery("SELECT experiment_id FROM traces WHERE trace_id = $1").execute(Tuple.of(traceId))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("experiment_id") : null);
    }

    /** From the read pool; traces a replica does not have yet are read from the primary. */
    @Override
    public Uni<List<StoredTrace>> getTraces(List<String> traceIds) {
        return getTraces(reads.pool(), traceIds).chain(found -> {
            if (!reads.separate() || found.size() == traceIds.size()) {
                return Uni.createFrom().item(found);
            }
            java.util.Set<String> have = new java.util.HashSet<>();
            found.forEach(t -> have.add(t.info().traceId()));
            List<String> missing = traceIds.stream().filter(id -> !have.contains(id)).distinct().toList();
            return getTraces(pool, missing).map(more -> {
                List<StoredTrace> all = new ArrayList<>(found);
                all.addAll(more);
                return all;
            });
        });
    }

    @Override
    public Uni<List<StoredTrace>> getTracesFromPrimary(List<String> traceIds) {
        return getTraces(pool, traceIds);
    }

    private Uni<List<StoredTrace>> getTraces(Pool from, List<String> traceIds) {
        if (traceIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Tuple ids = Tuple.of(traceIds.toArray(String[]::new));
        return from.withConnection(conn -> conn.preparedQuery(SELECT_TRACES).execute(ids)
                .chain(traceRows -> conn.preparedQuery(
                                "SELECT trace_id, key, value FROM trace_metadata WHERE trace_id = ANY($1) ORDER BY trace_id, key")
                        .execute(ids)
                        .chain(metaRows -> conn.preparedQuery(
                                        "SELECT trace_id, key, value FROM trace_tags WHERE trace_id = ANY($1) ORDER BY trace_id, key")
                                .execute(ids)
                                .chain(tagRows -> conn.preparedQuery("SELECT " + AssessmentRows.COLUMNS
                                                + " FROM assessments WHERE trace_id = ANY($1) ORDER BY create_time, assessment_id")
                                        .execute(ids)
                                        .map(assessmentRows -> {
                                            Map<String, Map<String, String>> meta = group(metaRows);
                                            Map<String, Map<String, String>> tags = group(tagRows);
                                            Map<String, List<Assessment>> assessments = new HashMap<>();
                                            for (Row r : assessmentRows) {
                                                Assessment a = AssessmentRows.fromRow(r);
                                                assessments.computeIfAbsent(a.traceId(), k -> new ArrayList<>()).add(a);
                                            }
                                            List<StoredTrace> out = new ArrayList<>();
                                            for (Row r : traceRows) {
                                                out.add(toStored(r, meta, tags, assessments));
                                            }
                                            return out;
                                        })))));
    }

    @Override
    public Uni<SearchPage> search(TraceQuery query) {
        return search(query, false);
    }

    @Override
    public Uni<SearchPage> exportPage(TraceQuery query) {
        return search(query, true);
    }

    private Uni<SearchPage> search(TraceQuery query, boolean patient) {
        SqlQuery q = PgTraceQuery.compile(query);
        Tuple params = Tuple.from(q.params());
        return (patient ? searches.executePatiently(q.sql(), params) : searches.execute(q.sql(), params))
                .onFailure(StoreFailures::isDataError).transform(t -> MlflowException.invalid(
                        "Invalid filter value: " + StoreFailures.pgException(t).getErrorMessage()))
                .chain(rows -> {
                    List<String> ids = new ArrayList<>();
                    List<Object> lastKeys = null;
                    for (Row r : rows) {
                        if (ids.size() == query.pageSize()) {
                            break;
                        }
                        ids.add(r.getString("trace_id"));
                        lastKeys = new ArrayList<>(q.sortKeyCount());
                        for (int i = 1; i <= q.sortKeyCount(); i++) {
                            lastKeys.add(r.getValue(i));
                        }
                    }
                    List<Object> next = rows.size() > query.pageSize() ? lastKeys : null;
                    return getTraces(ids).map(found -> {
                        Map<String, StoredTrace> byId = new HashMap<>();
                        found.forEach(st -> byId.put(st.info().traceId(), st));
                        List<TraceInfo> ordered = new ArrayList<>(ids.size());
                        for (String id : ids) {
                            StoredTrace st = byId.get(id);
                            if (st != null) {
                                ordered.add(st.info());
                            }
                        }
                        return new SearchPage(ordered, next);
                    });
                });
    }

    private static Map<String, Map<String, String>> group(Iterable<Row> rows) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (Row r : rows) {
            out.computeIfAbsent(r.getString("trace_id"), k -> new LinkedHashMap<>()).put(r.getString("key"), r.getString("value"));
        }
        return out;
    }

    private static StoredTrace toStored(Row r, Map<String, Map<String, String>> meta,
                                        Map<String, Map<String, String>> tags,
                                        Map<String, List<Assessment>> assessments) {
        String traceId = r.getString("trace_id");
        Map<String, String> metadata = new java.util.TreeMap<>(meta.getOrDefault(traceId, Map.of()));
        if (r.getString("session_id") != null) {
            metadata.put(TraceMetadataKeys.TRACE_SESSION, r.getString("session_id"));
        }
        if (r.getString("user_id") != null) {
            metadata.put(TraceMetadataKeys.TRACE_USER, r.getString("user_id"));
        }
        long start = r.getLong("request_time");
        Long end = r.getLong("end_time");
        TraceInfo info = new TraceInfo(
                traceId,
                r.getString("client_request_id"),
                Long.toString(r.getLong("experiment_id")),
                start,
                end == null ? null : Math.max(0, end - start),
                TraceState.parse(r.getString("state")),
                r.getString("request_preview"),
                r.getString("response_preview"),
                metadata,
                tags.getOrDefault(traceId, Map.of()),
                assessments.getOrDefault(traceId, List.of()));
        return new StoredTrace(info, r.getBoolean("has_root"));
    }

    /** From the read pool; traces without spans there are read from the primary. */
    @Override
    public Uni<Map<String, List<String>>> getSpans(List<String> traceIds) {
        return getSpans(reads.pool(), traceIds).chain(found -> {
            List<String> missing = traceIds.stream().filter(id -> !found.containsKey(id)).distinct().toList();
            if (!reads.separate() || missing.isEmpty()) {
                return Uni.createFrom().item(found);
            }
            return getSpans(pool, missing).map(more -> {
                Map<String, List<String>> all = new LinkedHashMap<>(found);
                all.putAll(more);
                return all;
            });
        });
    }

    private Uni<Map<String, List<String>>> getSpans(Pool from, List<String> traceIds) {
        if (traceIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return from.withConnection(conn -> conn.preparedQuery(SELECT_SPAN_PARTS)
                .execute(Tuple.of((Object) traceIds.toArray(String[]::new)))
                .chain(parts -> {
                    // The traces that exist, and their days: the spans are read from those days only.
                    List<String> found = new ArrayList<>();
                    List<LocalDate> days = new ArrayList<>();
                    parts.forEach(r -> {
                        found.add(r.getString("trace_id"));
                        days.add(r.getLocalDate("span_part"));
                    });
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(Map.<String, List<String>>of());
                    }
                    return conn.preparedQuery(SELECT_SPANS)
                            .execute(Tuple.of(found.toArray(String[]::new), SpanPartitionStore.days(days)))
                            .map(rows -> {
                                Map<String, List<String>> out = new LinkedHashMap<>();
                                for (Row r : rows) {
                                    out.computeIfAbsent(r.getString("trace_id"), k -> new ArrayList<>())
                                            .add(r.getString("content"));
                                }
                                return out;
                            });
                }));
    }
}

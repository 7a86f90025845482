package io.tracebridge.bench;

import io.tracebridge.store.PgTraceQuery;
import io.tracebridge.store.SqlQuery;
import io.tracebridge.search.TraceSearch;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * Search and read benchmark at scale.
 *
 * <p>{@code --mode=fill}: bulk-loads {@code --traces} traces (default 1,000,000) of 10 spans each
 * into a new experiment with SQL {@code generate_series} (this benchmarks reads, not ingest):
 * client request ID {@code req-<g>}, user {@code user-<g % 20000>}, session {@code session-<g / 5>},
 * one trace per second, every 40th ERROR, tags {@code environment} and {@code app_version},
 * span documents of about 450 bytes, and a {@code user_rating} feedback on every 10th trace.
 *
 * <p>{@code --mode=query --experiment=ID}: p50/p95 over {@code --reps} requests (REST, one
 * client) for each common search and for get-trace, plus each search's query plan.
 */
public final class SearchBench {
    static final long BASE_MS = 1_750_000_000_000L;
    /** Requests per search before measuring, so the JIT has compiled the path. */
    static final int WARMUP = 100;

    private SearchBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = LoadGenerator.parseArgs(args);
        if (a.containsKey("help")) {
            System.out.println("SearchBench options: --mode=fill|query --traces=N (default 1000000) --experiment=ID "
                    + "--reps=N (default 200) --http=URL --jdbc=URL --db-user=U --db-password=P --explain=false");
            return;
        }
        if ("fill".equals(a.get("mode"))) {
            fill(a);
        } else if ("analytics".equals(a.get("mode"))) {
            analytics(a);
        } else {
            query(a);
        }
    }

    static void fill(Map<String, String> a) throws Exception {
        int traces = Integer.parseInt(a.getOrDefault("traces", "1000000"));
        String experiment = LoadGenerator.createExperiment(a.getOrDefault("http", "http://localhost:5000"));
        long exp = Long.parseLong(experiment);
        int chunk = 50_000;
        long start = System.nanoTime();
        try (Connection conn = jdbc(a)) {
            // Each trace is stored in the day partition of its request time, as if it had arrived
            // then; the fill makes those partitions as the service does (store.SpanPartitionStore),
            // each just before the chunk that needs it: the service drops an empty partition of a
            // past day, so one made long before its rows arrive could be gone by then.
            for (int from = 1; from <= traces; from += chunk) {
                int to = Math.min(traces, from + chunk - 1);
                java.time.LocalDate first = java.time.Instant.ofEpochMilli(BASE_MS + from * 1000L)
                        .atZone(java.time.ZoneOffset.UTC).toLocalDate();
                java.time.LocalDate last = java.time.Instant.ofEpochMilli(BASE_MS + (to + 1L) * 1000)
                        .atZone(java.time.ZoneOffset.UTC).toLocalDate();
                try (Statement s = conn.createStatement()) {
                    for (java.time.LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                        String table = "spans_p" + java.time.format.DateTimeFormatter.BASIC_ISO_DATE.format(d);
                        s.execute("CREATE TABLE IF NOT EXISTS " + table + " PARTITION OF spans FOR VALUES FROM ('" + d
                                + "') TO ('" + d.plusDays(1) + "')");
                    }
                }
                exec(conn, """
                        INSERT INTO traces (trace_id, experiment_id, client_request_id, session_id, session_rank, user_id,
                            user_rank, request_time, end_time, state, has_root, request_preview, response_preview, span_part)
                        SELECT 'tr-' || md5(?::text || '-' || g), ?, 'req-' || g, 'session-' || (g / 5), 2,
                            'user-' || (g % 20000), 2, ? + g * 1000::bigint, ? + g * 1000::bigint + 50 + g % 2000,
                            CASE WHEN g % 40 = 0 THEN 'ERROR' ELSE 'OK' END, true,
                            '{"question": "how do I reset my password?"}', '{"answer": "use the reset link"}',
                            (to_timestamp((? + g * 1000::bigint) / 1000.0) AT TIME ZONE 'UTC')::date
                        FROM generate_series(?, ?) g
                        """, exp, exp, BASE_MS, BASE_MS, BASE_MS, from, to);
                exec(conn, """
                        INSERT INTO trace_tags (trace_id, key, value, rank)
                        SELECT 'tr-' || md5(?::text || '-' || g), k.key,
                            CASE k.key WHEN 'environment' THEN (ARRAY['production', 'staging', 'dev'])[g % 3 + 1]
                                       WHEN 'app_version' THEN '1.' || (g % 7)
                                       ELSE 'POST /chat' END, 2
                        FROM generate_series(?, ?) g,
                             (VALUES ('environment'), ('app_version'), ('mlflow.traceName')) k(key)
                        """, exp, from, to);
                exec(conn, """
                        INSERT INTO spans (trace_id, span_id, parent_span_id, name, span_type, status, start_time_ns,
                            end_time_ns, content, span_part)
                        SELECT 'tr-' || md5(?::text || '-' || g), lpad(to_hex(g * 16 + s), 16, '0'),
                            CASE WHEN s = 0 THEN NULL ELSE lpad(to_hex(g * 16), 16, '0') END,
                            CASE WHEN s = 0 THEN 'POST /chat' ELSE 'step-' || s END,
                            (ARRAY['CHAIN', 'LLM', 'RETRIEVER', 'TOOL', 'EMBEDDING'])[s % 5 + 1], 'OK',
                            (? + g * 1000::bigint) * 1000000 + s * 1000000, (? + g * 1000::bigint) * 1000000 + s * 1000000 + 500000,
                            '{"trace_id":"' || md5(g::text) || '","span_id":"' || lpad(to_hex(g * 16 + s), 16, '0')
                              || '","name":"step-' || s || '","attributes":[{"key":"mlflow.spanInputs","value":'
                              || '{"string_value":"{\\"query\\": \\"' || repeat(md5((g + s)::text), 5)
                              || '\\"}"}},{"key":"mlflow.spanOutputs","value":{"string_value":"{\\"text\\": \\"'
                              || repeat(md5((g - s)::text), 5) || '\\"}"}}]}',
                            (to_timestamp((? + g * 1000::bigint) / 1000.0) AT TIME ZONE 'UTC')::date
                        FROM generate_series(?, ?) g, generate_series(0, 9) s
                        """, exp, BASE_MS, BASE_MS, BASE_MS, from, to);
                exec(conn, """
                        INSERT INTO assessments (assessment_id, trace_id, name, kind, value_json, value_text, source_type,
                            source_id, create_time, last_update_time)
                        SELECT 'a-' || md5('a' || ?::text || '-' || g), 'tr-' || md5(?::text || '-' || g), 'user_rating',
                            'FEEDBACK', CASE WHEN g % 20 = 0 THEN 'false' ELSE 'true' END,
                            CASE WHEN g % 20 = 0 THEN 'false' ELSE 'true' END, 'HUMAN', 'user-' || (g % 20000),
                            ? + g * 1000::bigint, ? + g * 1000::bigint
                        FROM generate_series(?, ?) g WHERE g % 10 = 0
                        """, exp, exp, BASE_MS, BASE_MS, from, to);
                System.out.printf(Locale.ROOT, "filled %d traces (%.0f s)%n", to, (System.nanoTime() - start) / 1e9);
            }
            try (Statement s = conn.createStatement()) {
                // As autovacuum would have by the time such a table is searched: statistics, and a
                // visibility map for index-only scans.
                for (String t : List.of("traces", "trace_tags", "trace_metadata", "spans", "assessments")) {
                    s.execute("VACUUM (ANALYZE) " + t);
                }
            }
        }
        System.out.printf(Locale.ROOT, "fill experiment=%s traces=%d spans=%d seconds=%.0f%n", experiment, traces,
                traces * 10L, (System.nanoTime() - start) / 1e9);
    }

    static void query(Map<String, String> a) throws Exception {
        long exp = Long.parseLong(a.get("experiment"));
        int traces = Integer.parseInt(a.getOrDefault("traces", "1000000"));
        int reps = Integer.parseInt(a.getOrDefault("reps", "200"));
        String http = a.getOrDefault("http", "http://localhost:5000");
        SplittableRandom random = new SplittableRandom(1);
        Map<String, IntFunction<String>> searches = new LinkedHashMap<>();
        searches.put("client request ID", i -> "attributes.client_request_id = 'req-" + (1 + random.nextInt(traces)) + "'");
        searches.put("user (metadata)", i -> "metadata.`mlflow.trace.user` = 'user-" + random.nextInt(20000) + "'");
        searches.put("session (tags. alias)", i -> "tags.`mlflow.trace.session` = 'session-" + random.nextInt(traces / 5) + "'");
        searches.put("tag", i -> "tag.app_version = '1." + random.nextInt(7) + "'");
        searches.put("time range + status", i -> {
            long from = BASE_MS + (long) random.nextInt(traces - 3600) * 1000;
            return "trace.status = 'ERROR' AND trace.timestamp_ms >= " + from + " AND trace.timestamp_ms < " + (from + 3_600_000);
        });
        searches.put("feedback value", i -> "feedback.user_rating = 'false'");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (Map.Entry<String, IntFunction<String>> e : searches.entrySet()) {
            measure(client, e.getKey(), reps, i -> HttpRequest.newBuilder(URI.create(http + "/api/3.0/mlflow/traces/search"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                            + "\"mlflow_experiment\": {\"experiment_id\": \"" + exp + "\"}}], \"filter\": "
                            + jsonString(e.getValue().apply(i)) + ", \"max_results\": 100}"))
                    .header("Content-Type", "application/json").build(),
                    body -> count(body, "\"trace_location\""), "results/query");
        }
        measure(client, "get-trace (10 spans)", reps, i -> HttpRequest.newBuilder(URI.create(
                http + "/api/3.0/mlflow/traces/get?trace_id=" + traceId(exp, 1 + random.nextInt(traces)))).GET().build(),
                body -> 1, "results/query");
        if (!"false".equals(a.get("explain"))) {
            explain(a, exp, searches);
        }
    }

    /**
     * Latency of the analytics endpoints (docs/analytics-api.md) on the filled experiment: each
     * request is a GET from one client over a random window of the filled period (one trace per
     * second, 1,000,000 s = 11.6 days), or over the whole of it.
     */
    static void analytics(Map<String, String> a) throws Exception {
        long exp = Long.parseLong(a.get("experiment"));
        int traces = Integer.parseInt(a.getOrDefault("traces", "1000000"));
        int reps = Integer.parseInt(a.getOrDefault("reps", "200"));
        String http = a.getOrDefault("http", "http://localhost:5000");
        String base = http + "/api/tracebridge/v1/analytics";
        SplittableRandom random = new SplittableRandom(2);
        long endAll = BASE_MS + (traces + 1L) * 1000;
        IntFunction<String> day = i -> window(random, traces, 86_400_000L);
        IntFunction<String> week = i -> window(random, traces, 7 * 86_400_000L);
        Map<String, IntFunction<String>> requests = new LinkedHashMap<>();
        requests.put("sessions, 1 day, page 50", i -> base + "/sessions?experiment_id=" + exp + day.apply(i));
        requests.put("sessions, all, page 50", i -> base + "/sessions?experiment_id=" + exp);
        requests.put("sessions of a user, all", i -> base + "/sessions?experiment_id=" + exp + "&user_id=user-"
                + random.nextInt(20000));
        requests.put("session turns", i -> base + "/sessions/session-" + random.nextInt(traces / 5) + "?experiment_id=" + exp);
        requests.put("users, 1 day, page 50", i -> base + "/users?experiment_id=" + exp + day.apply(i));
        requests.put("users, all, page 50", i -> base + "/users?experiment_id=" + exp);
        requests.put("feedback, 1 day", i -> base + "/feedback?experiment_id=" + exp + day.apply(i));
        requests.put("feedback by tag, 1 day", i -> base + "/feedback?experiment_id=" + exp + "&group_by=tag.app_version"
                + day.apply(i));
        requests.put("feedback, 7 days", i -> base + "/feedback?experiment_id=" + exp + week.apply(i));
        requests.put("feedback by tag, 7 days", i -> base + "/feedback?experiment_id=" + exp + "&group_by=tag.app_version"
                + week.apply(i));
        requests.put("feedback, all", i -> base + "/feedback?experiment_id=" + exp + "&end_time_ms=" + endAll);
        requests.put("feedback by tag, all", i -> base + "/feedback?experiment_id=" + exp + "&group_by=tag.app_version");
        requests.put("timeline hourly, 1 day", i -> base + "/feedback/timeline?experiment_id=" + exp + "&interval=hour"
                + day.apply(i));
        requests.put("timeline daily, all", i -> base + "/feedback/timeline?experiment_id=" + exp + "&interval=day");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (Map.Entry<String, IntFunction<String>> e : requests.entrySet()) {
            measure(client, e.getKey(), reps, i -> HttpRequest.newBuilder(URI.create(e.getValue().apply(i))).GET().build(),
                    body -> body.length() / 1024.0, "KiB/response");
        }
    }

    /** A request of the benchmark; may throw (building it can, e.g. the trace ID's digest). */
    private interface RequestMaker {
        HttpRequest make(int i) throws Exception;
    }

    /**
     * Sends {@link #WARMUP} unmeasured requests, then {@code reps} measured ones, one at a time;
     * fails on any answer but 200; prints the latency percentiles and the mean of {@code perResponse}.
     */
    private static void measure(HttpClient client, String name, int reps, RequestMaker request,
                                ToDoubleFunction<String> perResponse, String label) throws Exception {
        long[] lat = new long[reps];
        double sum = 0;
        for (int i = -WARMUP; i < reps; i++) {
            HttpRequest req = request.make(i);
            long t0 = System.nanoTime();
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (r.statusCode() != 200) {
                throw new IllegalStateException(name + ": " + r.statusCode() + " " + r.body());
            }
            if (i >= 0) {
                lat[i] = t1 - t0;
                sum += perResponse.applyAsDouble(r.body());
            }
        }
        print(name, lat, sum / reps, label);
    }

    private static String window(SplittableRandom random, int traces, long lengthMs) {
        long span = traces * 1000L - lengthMs;
        long from = BASE_MS + (span <= 0 ? 0 : random.nextLong(span));
        return "&start_time_ms=" + from + "&end_time_ms=" + (from + lengthMs);
    }

    static String traceId(long exp, int g) throws Exception {
        var md = java.security.MessageDigest.getInstance("MD5");
        return "tr-" + java.util.HexFormat.of().formatHex(md.digest((exp + "-" + g).getBytes()));
    }

    private static void explain(Map<String, String> a, long exp, Map<String, IntFunction<String>> searches) {
        Vertx vertx = Vertx.vertx();
        String[] url = a.getOrDefault("jdbc", "jdbc:postgresql://127.0.0.1:5432/tracebridge")
                .replace("jdbc:postgresql://", "").split("[:/]");
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
                .connectingTo(new PgConnectOptions().setHost(url[0]).setPort(Integer.parseInt(url[1])).setDatabase(url[2])
                        .setUser(a.getOrDefault("db-user", "tracebridge"))
                        // The service's session settings (application.properties), so the plans are its plans.
                        .addProperty("plan_cache_mode", "force_custom_plan")
                        .addProperty("max_parallel_workers_per_gather", "0")
                        .addProperty("jit", "off")
                        .setPassword(a.getOrDefault("db-password", "tracebridge")))
                .using(vertx).build();
        try {
            for (Map.Entry<String, IntFunction<String>> e : searches.entrySet()) {
                SqlQuery q = PgTraceQuery.compile(TraceSearch.compile(List.of(exp), e.getValue().apply(0), List.of(), 100, null));
                List<String> lines = new ArrayList<>();
                for (Row r : pool.preparedQuery("EXPLAIN (ANALYZE, COSTS OFF) " + q.sql()).execute(Tuple.from(q.params()))
                        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)) {
                    lines.add(r.getString(0));
                }
                System.out.println("\nPLAN " + e.getKey() + "\n" + String.join("\n", lines));
            }
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        } finally {
            pool.close();
            vertx.close();
        }
    }

    private static void print(String name, long[] lat, double value, String label) {
        long[] s = lat.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-24s p50=%6.1f ms  p95=%6.1f ms  max=%6.1f ms  %s=%.1f%n", name,
                s[s.length / 2] / 1e6, s[(int) Math.ceil(s.length * 0.95) - 1] / 1e6, s[s.length - 1] / 1e6, label, value);
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Connection jdbc(Map<String, String> a) throws Exception {
        return DriverManager.getConnection(a.getOrDefault("jdbc", "jdbc:postgresql://127.0.0.1:5432/tracebridge"),
                a.getOrDefault("db-user", "tracebridge"), a.getOrDefault("db-password", "tracebridge"));
    }

    private static void exec(Connection conn, String sql, Object... params) throws Exception {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }
}

package io.tracebridge.bench;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends realistic OTLP traffic to Tracebridge with the real OpenTelemetry SDK exporters and
 * reports what was acknowledged, how fast, and whether the database holds exactly that.
 *
 * <p>Traffic: traces of {@code minSpans}..{@code maxSpans} spans (a root with session, user and
 * client request ID, children with MLflow span types), about {@code attributeBytes} of
 * inputs/outputs JSON per span; {@code concurrency} exporters each sending requests of
 * {@code batchSpans} spans (a trace may span two requests, as with a BatchSpanProcessor), paced
 * to {@code rate} spans/s overall (0: as fast as acknowledged), for {@code seconds}.
 *
 * <p>Run: {@code bench/run.sh ingest --transport=grpc --seconds=60 --concurrency=8}; every option
 * is listed in {@link #usage()}.
 */
public final class LoadGenerator {

    public record Config(String transport, String httpBase, String grpcEndpoint, String experimentId,
                         int concurrency, int batchSpans, double rate, int seconds, int attributeBytes,
                         int minSpans, int maxSpans, String compression, String jdbcUrl, String dbUser,
                         String dbPassword, int llmEvery) {

        static Config parse(Map<String, String> a) {
            return new Config(
                    a.getOrDefault("transport", "grpc"),
                    a.getOrDefault("http", "http://localhost:5000"),
                    a.getOrDefault("grpc", "http://localhost:4317"),
                    a.get("experiment"),
                    Integer.parseInt(a.getOrDefault("concurrency", "8")),
                    Integer.parseInt(a.getOrDefault("batch", "200")),
                    Double.parseDouble(a.getOrDefault("rate", "0")),
                    Integer.parseInt(a.getOrDefault("seconds", "60")),
                    Integer.parseInt(a.getOrDefault("attribute-bytes", "1024")),
                    Integer.parseInt(a.getOrDefault("min-spans", "5")),
                    Integer.parseInt(a.getOrDefault("max-spans", "20")),
                    a.getOrDefault("compression", "none"),
                    a.getOrDefault("jdbc", "jdbc:postgresql://127.0.0.1:5432/tracebridge"),
                    a.getOrDefault("db-user", "tracebridge"),
                    a.getOrDefault("db-password", "tracebridge"),
                    Integer.parseInt(a.getOrDefault("llm-every", "0")));
        }
    }

    /** What one run did. {@code storedSpans} is null when verification was skipped. */
    public record Report(String transport, long requests, long failedRequests, long spansAcked, long spansFailed,
                         double seconds, double p50Ms, double p95Ms, double p99Ms, double maxMs, Long storedSpans,
                         String experimentId, String firstError) {

        public double spansPerSecond() {
            return spansAcked / seconds;
        }

        public String format() {
            return String.format(Locale.ROOT,
                    "transport=%s experiment=%s requests=%d failed=%d spans_acked=%d spans_failed=%d seconds=%.1f "
                            + "spans_per_s=%.0f latency_ms p50=%.1f p95=%.1f p99=%.1f max=%.1f stored=%s%s",
                    transport, experimentId, requests, failedRequests, spansAcked, spansFailed, seconds,
                    spansPerSecond(), p50Ms, p95Ms, p99Ms, maxMs, storedSpans == null ? "unchecked" : storedSpans,
                    firstError == null ? "" : " first_error=" + firstError);
        }
    }

    private LoadGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parseArgs(args);
        if (a.containsKey("help")) {
            System.out.println(usage());
            return;
        }
        Report r = run(Config.parse(a), !a.containsKey("no-verify"));
        System.out.println(r.format());
        if (r.storedSpans() != null && r.storedSpans() < r.spansAcked()) {
            System.out.println("VERIFY FAILED: fewer spans stored than acknowledged");
            System.exit(2);
        }
    }

    static String usage() {
        return """
                LoadGenerator options (--key=value):
                  --transport=grpc|http     OTLP transport (default grpc)
                  --http=URL                Tracebridge HTTP base (default http://localhost:5000)
                  --grpc=URL                OTLP/gRPC endpoint (default http://localhost:4317)
                  --experiment=ID           experiment to send to (default: a new one)
                  --concurrency=N           exporters sending in parallel (default 8)
                  --batch=N                 spans per request (default 200)
                  --rate=N                  spans/s in total, 0 = as fast as acknowledged (default 0)
                  --seconds=N               duration (default 60)
                  --attribute-bytes=N       inputs/outputs bytes per span (default 1024)
                  --min-spans=N --max-spans=N  spans per trace (default 5..20)
                  --compression=none|gzip   (default none)
                  --jdbc=URL --db-user=U --db-password=P  database to verify against
                  --no-verify               skip the database check
                  --llm-every=N             every Nth child span reports a model and token counts
                                            (GenAI conventions), 0 = none (default 0)
                """;
    }

    public static Report run(Config c, boolean verify) throws Exception {
        String experiment = c.experimentId() != null ? c.experimentId() : createExperiment(c.httpBase());
        ExecutorService pool = Executors.newFixedThreadPool(c.concurrency());
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(c.seconds());
        List<Future<Worker>> futures = new ArrayList<>();
        for (int i = 0; i < c.concurrency(); i++) {
            Worker w = new Worker(c, experiment, i, start, end);
            futures.add(pool.submit(() -> {
                w.run();
                return w;
            }));
        }
        List<Worker> workers = new ArrayList<>();
        for (Future<Worker> f : futures) {
            workers.add(f.get());
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        long requests = 0;
        long failed = 0;
        long acked = 0;
        long spansFailed = 0;
        String firstError = null;
        int n = 0;
        for (Worker w : workers) {
            n += w.latencyCount;
        }
        long[] all = new long[n];
        int k = 0;
        for (Worker w : workers) {
            requests += w.requests;
            failed += w.failed;
            acked += w.acked;
            spansFailed += w.spansFailed;
            if (firstError == null) {
                firstError = w.firstError;
            }
            System.arraycopy(w.latencies, 0, all, k, w.latencyCount);
            k += w.latencyCount;
        }
        Arrays.sort(all);
        Long stored = verify ? storedSpans(c, experiment) : null;
        return new Report(c.transport(), requests, failed, acked, spansFailed, seconds, pct(all, 0.50), pct(all, 0.95),
                pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, stored, experiment, firstError);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** One exporter sending batches until the deadline. */
    private static final class Worker {
        final Config c;
        final SpanExporter exporter;
        final SpanFactory factory;
        final long start;
        final long end;
        final double ratePerWorker;
        long requests;
        long failed;
        long acked;
        long spansFailed;
        long[] latencies = new long[1024];
        int latencyCount;
        String firstError;

        Worker(Config c, String experiment, int index, long start, long end) {
            this.c = c;
            this.start = start;
            this.end = end;
            this.ratePerWorker = c.rate() / c.concurrency();
            this.factory = new SpanFactory(c, index);
            if (c.transport().equals("http")) {
                var b = OtlpHttpSpanExporter.builder().setEndpoint(c.httpBase() + "/v1/traces")
                        .addHeader("x-mlflow-experiment-id", experiment).setTimeout(Duration.ofSeconds(30))
                        .setRetryPolicy(null);
                if (!c.compression().equals("none")) {
                    b.setCompression(c.compression());
                }
                exporter = b.build();
            } else {
                var b = OtlpGrpcSpanExporter.builder().setEndpoint(c.grpcEndpoint())
                        .addHeader("x-mlflow-experiment-id", experiment).setTimeout(Duration.ofSeconds(30))
                        .setRetryPolicy(null);
                if (!c.compression().equals("none")) {
                    b.setCompression(c.compression());
                }
                exporter = b.build();
            }
        }

        void run() throws InterruptedException {
            long sent = 0;
            while (System.nanoTime() < end) {
                List<SpanData> batch = factory.batch(c.batchSpans());
                long t0 = System.nanoTime();
                CompletableResultCode r = exporter.export(batch).join(60, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                requests++;
                record(t1 - t0);
                if (r.isSuccess()) {
                    acked += batch.size();
                } else {
                    failed++;
                    spansFailed += batch.size();
                    if (firstError == null) {
                        firstError = r.getFailureThrowable() == null ? "export failed"
                                : r.getFailureThrowable().toString();
                    }
                }
                sent += batch.size();
                if (ratePerWorker > 0) {
                    long due = start + (long) (sent / ratePerWorker * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }

        private void record(long nanos) {
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[latencyCount++] = nanos;
        }
    }

    /** Builds spans of realistic GenAI traces; a trace can continue into the next batch. */
    static final class SpanFactory {
        private static final String[] TYPES = {"LLM", "CHAT_MODEL", "RETRIEVER", "TOOL", "EMBEDDING", "CHAIN"};
        private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-sonnet"};
        private static final HexFormat HEX = HexFormat.of();
        private final Config c;
        private final SplittableRandom random;
        private final String text;
        private final Resource resource = Resource.create(Attributes.of(
                io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "bench-chatbot",
                io.opentelemetry.api.common.AttributeKey.stringKey("deployment.environment"), "bench"));
        private final InstrumentationScopeInfo scope = InstrumentationScopeInfo.create("tracebridge-bench");
        private final List<SpanData> leftover = new ArrayList<>();

        SpanFactory(Config c, int seed) {
            this.c = c;
            this.random = new SplittableRandom(seed * 7919L + System.nanoTime());
            StringBuilder b = new StringBuilder();
            String words = "the quick assistant answered how to reset a password using the account settings page ";
            while (b.length() < c.attributeBytes() * 4 + 64) {
                b.append(words);
            }
            this.text = b.toString();
        }

        List<SpanData> batch(int size) {
            List<SpanData> out = new ArrayList<>(size);
            out.addAll(leftover);
            leftover.clear();
            while (out.size() < size) {
                List<SpanData> trace = trace();
                int room = size - out.size();
                if (trace.size() <= room) {
                    out.addAll(trace);
                } else {
                    out.addAll(trace.subList(0, room));
                    leftover.addAll(trace.subList(room, trace.size()));
                }
            }
            return out;
        }

        private List<SpanData> trace() {
            int n = c.minSpans() + random.nextInt(c.maxSpans() - c.minSpans() + 1);
            String traceId = HEX.formatHex(bytes(16));
            long now = System.currentTimeMillis() * 1_000_000L;
            long startNs = now - 2_000_000_000L;
            SpanContext root = SpanContext.create(traceId, HEX.formatHex(bytes(8)), TraceFlags.getSampled(),
                    TraceState.getDefault());
            List<SpanData> spans = new ArrayList<>(n);
            int half = c.attributeBytes() / 2;
            for (int i = 1; i < n; i++) {
                SpanContext ctx = SpanContext.create(traceId, HEX.formatHex(bytes(8)), TraceFlags.getSampled(),
                        TraceState.getDefault());
                AttributesBuilder attrs = Attributes.builder()
                        .put("mlflow.spanType", "\"" + TYPES[random.nextInt(TYPES.length)] + "\"")
                        .put("mlflow.spanInputs", json("input", half))
                        .put("mlflow.spanOutputs", json("output", half));
                if (c.llmEvery() > 0 && i % c.llmEvery() == 0) {
                    attrs.put("gen_ai.request.model", MODELS[i % MODELS.length])
                            .put("gen_ai.response.model", MODELS[i % MODELS.length] + "-2024-08-06")
                            .put("gen_ai.usage.input_tokens", 200L + random.nextInt(2000))
                            .put("gen_ai.usage.output_tokens", 50L + random.nextInt(500));
                }
                long s = startNs + i * 10_000_000L;
                spans.add(span("step-" + i, ctx, root, s, s + 8_000_000L, attrs.build()));
            }
            int user = random.nextInt(10_000);
            Attributes rootAttrs = Attributes.builder()
                    .put("mlflow.trace.session", "session-" + (user * 3 + random.nextInt(3)))
                    .put("mlflow.trace.user", "user-" + user)
                    .put("mlflow.trace.client_request_id", "req-" + traceId)
                    .put("mlflow.traceTag.environment", "bench")
                    .put("mlflow.spanType", "\"CHAIN\"")
                    .put("mlflow.spanInputs", json("question", half))
                    .put("mlflow.spanOutputs", json("answer", half))
                    .build();
            // Children finish first, as with a BatchSpanProcessor; the root comes last.
            spans.add(span("POST /chat", root, SpanContext.getInvalid(), startNs, startNs + n * 10_000_000L, rootAttrs));
            return spans;
        }

        private SpanData span(String name, SpanContext ctx, SpanContext parent, long startNs, long endNs,
                              Attributes attrs) {
            return TestSpanData.builder().setName(name).setKind(SpanKind.INTERNAL).setSpanContext(ctx)
                    .setParentSpanContext(parent).setStartEpochNanos(startNs).setEndEpochNanos(endNs)
                    .setHasEnded(true).setStatus(StatusData.ok()).setAttributes(attrs)
                    .setTotalAttributeCount(attrs.size()).setResource(resource).setInstrumentationScopeInfo(scope)
                    .build();
        }

        private String json(String key, int bytes) {
            int len = Math.max(8, bytes - key.length() - 8);
            int from = random.nextInt(text.length() - len);
            return "{\"" + key + "\": \"" + text.substring(from, from + len) + "\"}";
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) random.nextInt(256);
            }
            if (b[0] == 0) {
                b[0] = 1;
            }
            return b;
        }
    }

    static String createExperiment(String httpBase) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpBase + "/api/2.0/mlflow/experiments/create"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"bench-" + System.currentTimeMillis()
                                + "-" + System.nanoTime() % 100000 + "\"}"))
                        .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"experiment_id\"\\s*:\\s*\"(\\d+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("Could not create an experiment: " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
    }

    static long storedSpans(Config c, String experiment) throws Exception {
        try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.dbUser(), c.dbPassword());
             PreparedStatement ps = conn.prepareStatement(
                     "SELECT count(*) FROM spans s JOIN traces t ON t.trace_id = s.trace_id WHERE t.experiment_id = ?")) {
            ps.setLong(1, Long.parseLong(experiment));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                continue;
            }
            int eq = a.indexOf('=');
            if (eq < 0) {
                out.put(a.substring(2), "true");
            } else {
                out.put(a.substring(2, eq), a.substring(eq + 1));
            }
        }
        return out;
    }
}

package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracebridge.support.PackagedApp;
import io.tracebridge.support.Requests;
import io.tracebridge.support.ThrowawayPostgres;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults under load, with the real OpenTelemetry SDK exporters (two over gRPC, two over HTTP)
 * sending all the time to the packaged application on a throwaway PostgreSQL:
 * <ol>
 *   <li>PostgreSQL is restarted three times ({@code pg_ctl restart -m fast}: sessions terminated,
 *       connections refused until it is up again);</li>
 *   <li>the backends serving the application are frozen (SIGSTOP) for longer than the write
 *       timeout, then resumed;</li>
 *   <li>PostgreSQL crashes ({@code pg_ctl stop -m immediate}) and stays down (refusing
 *       connections) for 3 s;</li>
 *   <li>the service is killed with SIGKILL and started again.</li>
 * </ol>
 * Afterwards every batch the service acknowledged is in the database exactly once, and the
 * exporters' retries (the SDK's retry policy, and resending a failed batch as a Collector's
 * {@code retry_on_failure} does) delivered every other batch: none failed for good. Beside the
 * exporters, probes record every answer the SDK hides: raw OTLP/HTTP and OTLP/gRPC requests and
 * a REST read. None may be a 500 / INTERNAL (exporters drop such a batch), every HTTP 503 carries
 * Retry-After, and the service's own request metric counts no {@code internal} outcome.
 */
class FaultToleranceIT {
    static final int SPANS_PER_BATCH = 20;
    /** The service's write timeout in this test, so that the frozen backends outlast it quickly. */
    static final long WRITE_TIMEOUT_MS = 2_000;

    @Test
    void databaseCrashAndServiceKillLoseNothingAcknowledged() throws Exception {
        try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
            Map<String, String> db = new HashMap<>(PackagedApp.db("127.0.0.1", String.valueOf(pg.port), "tracebridge",
                    "tracebridge", "tracebridge"));
            db.put("TRACEBRIDGE_DB_WRITE_TIMEOUT", WRITE_TIMEOUT_MS + "ms");
            int httpPort = PackagedApp.freePort();
            int grpcPort = PackagedApp.freePort();
            PackagedApp app = PackagedApp.start("fault-1", db, httpPort, grpcPort);
            PackagedApp restarted = null;
            ExecutorService senders = Executors.newFixedThreadPool(4 + Probes.THREADS);
            try {
                app.awaitReady(Duration.ofSeconds(90));
                Map<String, Boolean> outcome = new ConcurrentHashMap<>();
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong slowest = new AtomicLong();
                AtomicLong resends = new AtomicLong();
                List<Future<?>> running = new ArrayList<>();
                for (int s = 0; s < 4; s++) {
                    boolean grpc = s % 2 == 0;
                    int sender = s;
                    running.add(senders.submit(() -> {
                        SpanExporter exporter = exporter(grpc, httpPort, grpcPort);
                        for (int i = 0; !stop.get(); i++) {
                            Traces.Batch batch = Traces.build("s" + sender + "-" + i, SPANS_PER_BATCH, 300);
                            long t0 = System.nanoTime();
                            // Resend the batch until it is acknowledged, as a Collector's
                            // retry_on_failure does around the SDK exporter's own retries.
                            boolean ok = false;
                            while (!ok && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(90)) {
                                CompletableResultCode r = exporter.export(batch.spans()).join(60, TimeUnit.SECONDS);
                                ok = r.isSuccess();
                                if (!ok) {
                                    resends.incrementAndGet();
                                    Thread.sleep(500);
                                }
                            }
                            slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                            outcome.put(batch.traceId(), ok);
                        }
                        exporter.shutdown().join(10, TimeUnit.SECONDS);
                        return null;
                    }));
                }
                AtomicBoolean stopProbes = new AtomicBoolean();
                Probes probes = new Probes(httpPort, grpcPort, stopProbes);
                List<Future<?>> probing = probes.start(senders);
                Thread.sleep(2_000);
                for (int restart = 0; restart < 3; restart++) {
                    pg.restart();
                    Thread.sleep(2_000);
                }
                int frozen = pg.freezeBackends(WRITE_TIMEOUT_MS * 4);
                assertThat(frozen).as("backends frozen").isPositive();
                Thread.sleep(2_000);
                pg.crash();
                Thread.sleep(3_000);
                pg.startServer();
                Thread.sleep(3_000);
                // The probes look at the database faults; SIGKILL of the service is the exporters' part.
                stopProbes.set(true);
                for (Future<?> f : probing) {
                    f.get(60, TimeUnit.SECONDS);
                }
                List<String> internal = internalOutcomes(httpPort);
                app.process().destroyForcibly(); // SIGKILL
                assertThat(app.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
                restarted = PackagedApp.start("fault-2", db, httpPort, grpcPort);
                restarted.awaitReady(Duration.ofSeconds(90));
                Thread.sleep(3_000);
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(180, TimeUnit.SECONDS);
                }

                List<String> acked = outcome.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
                List<String> failed = outcome.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
                Map<String, Integer> stored = new HashMap<>();
                try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(
                        "SELECT trace_id, count(*), count(DISTINCT span_id) FROM spans GROUP BY trace_id")) {
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            assertThat(rs.getInt(2)).isEqualTo(rs.getInt(3));
                            stored.put(rs.getString(1), rs.getInt(2));
                        }
                    }
                }
                System.out.printf("faults: %d batches acknowledged, %d failed for good, %d resends after failed exports, "
                        + "slowest batch %d ms%n", acked.size(), failed.size(), resends.get(), slowest.get());
                System.out.printf("probes: HTTP %s, gRPC %s, REST %s, slowest OTLP answer %d ms%n", probes.http, probes.grpc,
                        probes.rest, probes.slowestOtlp.get());
                assertThat(internal).as("requests the service answered 500 / INTERNAL before SIGKILL").isEmpty();
                assertThat(internalOutcomes(httpPort)).as("requests answered 500 / INTERNAL after the restart").isEmpty();
                assertThat(probes.http.keySet()).as("OTLP/HTTP answers").containsOnly("200", "503");
                assertThat(probes.http.get("503")).as("OTLP/HTTP 503s seen").isNotNull();
                assertThat(probes.missingRetryAfter.get()).as("503 without Retry-After").isZero();
                assertThat(probes.grpc.keySet()).as("OTLP/gRPC answers").containsOnly("OK", "UNAVAILABLE");
                assertThat(probes.grpc.get("UNAVAILABLE")).as("gRPC UNAVAILABLE seen").isNotNull();
                // Backends frozen for 4x the write timeout: OTLP still answers (503) after about one.
                assertThat(probes.slowestOtlp.get()).as("slowest OTLP answer, ms").isLessThan(WRITE_TIMEOUT_MS * 3);
                assertThat(probes.rest.keySet()).as("REST answers").containsOnly("200", "503");
                assertThat(probes.rest.get("503")).as("REST 503s seen").isNotNull();
                assertThat(acked).hasSizeGreaterThan(40);
                List<String> all = new ArrayList<>(acked);
                all.addAll(probes.acked);
                for (String traceId : all) {
                    assertThat(stored.get(traceId)).as("spans of acknowledged %s", traceId)
                            .isEqualTo(probes.acked.contains(traceId) ? 1 : SPANS_PER_BATCH);
                }
                assertThat(failed).as("exports that failed even after retries").isEmpty();
                // The faults did hit traffic in flight: some exports waited for retries.
                assertThat(slowest.get()).isGreaterThan(1_000);
            } finally {
                senders.shutdownNow();
                app.close();
                if (restarted != null) {
                    restarted.close();
                }
            }
        }
    }

    /**
     * Lines of the service's Prometheus metrics that count requests answered 500 / INTERNAL
     * ({@code tracebridge_ingest_requests_seconds_count{outcome="internal"}} above zero).
     */
    private static List<String> internalOutcomes(int httpPort) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("tracebridge_ingest_requests_seconds_count");
        return r.body().lines().filter(l -> l.startsWith("tracebridge_ingest_requests_seconds_count")
                && l.contains("outcome=\"internal\"") && !l.endsWith(" 0.0")).toList();
    }

    /**
     * Raw clients that record the status of every answer: one-span OTLP/HTTP protobuf posts, OTLP/gRPC
     * calls, and REST reads of a trace the HTTP probe stored. They never retry; what they get
     * acknowledged is checked in the database like the exporters' batches.
     */
    static final class Probes {
        static final int THREADS = 3;
        final Map<String, Integer> http = new ConcurrentHashMap<>();
        final Map<String, Integer> grpc = new ConcurrentHashMap<>();
        final Map<String, Integer> rest = new ConcurrentHashMap<>();
        final java.util.Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicLong missingRetryAfter = new AtomicLong();
        /** Slowest OTLP answer of the probes, ms: bounded by the write timeout even with frozen backends. */
        final AtomicLong slowestOtlp = new AtomicLong();
        private final int httpPort;
        private final int grpcPort;
        private final AtomicBoolean stop;
        private volatile String storedTrace;
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Probes(int httpPort, int grpcPort, AtomicBoolean stop) {
            this.httpPort = httpPort;
            this.grpcPort = grpcPort;
            this.stop = stop;
        }

        List<Future<?>> start(ExecutorService pool) {
            return List.of(pool.submit(this::httpLoop), pool.submit(this::grpcLoop), pool.submit(this::restLoop));
        }

        private Void httpLoop() throws Exception {
            while (!stop.get()) {
                String hex = Requests.randomTraceHex();
                long t0 = System.nanoTime();
                try {
                    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
                            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-protobuf")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(Requests.protobuf(hex))).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    slowestOtlp.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    http.merge(String.valueOf(r.statusCode()), 1, Integer::sum);
                    if (r.statusCode() == 200) {
                        acked.add("tr-" + hex);
                        storedTrace = "tr-" + hex;
                    } else if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isEmpty()) {
                        missingRetryAfter.incrementAndGet();
                    }
                } catch (java.io.IOException down) {
                    // the service itself is down (SIGKILL): no answer to classify
                }
                Thread.sleep(50);
            }
            return null;
        }

        private Void grpcLoop() throws Exception {
            io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                while (!stop.get()) {
                    String hex = Requests.randomTraceHex();
                    long t0 = System.nanoTime();
                    try {
                        TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .export(ExportTraceServiceRequest.parseFrom(Requests.protobuf(hex)));
                        slowestOtlp.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        grpc.merge("OK", 1, Integer::sum);
                        acked.add("tr-" + hex);
                    } catch (io.grpc.StatusRuntimeException e) {
                        // The service down (SIGKILL) is the channel's UNAVAILABLE too, also retryable.
                        slowestOtlp.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        grpc.merge(e.getStatus().getCode().name(), 1, Integer::sum);
                    }
                    Thread.sleep(50);
                }
            } finally {
                channel.shutdownNow();
            }
            return null;
        }

        private Void restLoop() throws Exception {
            while (!stop.get()) {
                String trace = storedTrace;
                if (trace != null) {
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                                + "/api/3.0/mlflow/traces/" + trace)).timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        rest.merge(String.valueOf(r.statusCode()), 1, Integer::sum);
                    } catch (java.io.IOException down) {
                        // the service itself is down (SIGKILL)
                    }
                }
                Thread.sleep(50);
            }
            return null;
        }
    }

    /** The SDK's exporter with its own retry policy (at most 5 attempts, jittered backoff). */
    private static SpanExporter exporter(boolean grpc, int httpPort, int grpcPort) {
        RetryPolicy retry = RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofMillis(500))
                .setMaxBackoff(Duration.ofSeconds(3)).setBackoffMultiplier(2).build();
        if (grpc) {
            return OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
                    .setTimeout(10, TimeUnit.SECONDS).setRetryPolicy(retry).build();
        }
        return OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
                .setTimeout(10, TimeUnit.SECONDS).setRetryPolicy(retry).build();
    }
}

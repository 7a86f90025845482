package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tracebridge.support.PackagedApp;
import io.tracebridge.support.ThrowawayPostgres;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.Test;

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
 *   <li>PostgreSQL crashes ({@code pg_ctl stop -m immediate}) and comes back after 3 s;</li>
 *   <li>the service is killed with SIGKILL and started again.</li>
 * </ol>
 * Afterwards every batch the service acknowledged is in the database exactly once, and the
 * exporters' retries (the SDK's retry policy, and resending a failed batch as a Collector's
 * {@code retry_on_failure} does) delivered every other batch: none failed for good.
 */
class FaultToleranceIT {
    static final int SPANS_PER_BATCH = 20;

    @Test
    void databaseCrashAndServiceKillLoseNothingAcknowledged() throws Exception {
        try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
            Map<String, String> db = PackagedApp.db("127.0.0.1", String.valueOf(pg.port), "tracebridge", "tracebridge", "tracebridge");
            int httpPort = PackagedApp.freePort();
            int grpcPort = PackagedApp.freePort();
            PackagedApp app = PackagedApp.start("fault-1", db, httpPort, grpcPort);
            PackagedApp restarted = null;
            ExecutorService senders = Executors.newFixedThreadPool(4);
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
                Thread.sleep(3_000);
                pg.crash();
                Thread.sleep(3_000);
                pg.startServer();
                Thread.sleep(3_000);
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
                assertThat(acked).hasSizeGreaterThan(40);
                for (String traceId : acked) {
                    assertThat(stored.get(traceId)).as("spans of acknowledged %s", traceId).isEqualTo(SPANS_PER_BATCH);
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

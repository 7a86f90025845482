package io.tracebridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.tracebridge.support.PackagedApp;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The packaged application (target/quarkus-app, what the image runs) started the way the
 * Kubernetes manifests start it: the ConfigMap's variables, the image's JAVA_OPTS, the
 * Secret's database variables.
 * <ul>
 *   <li>two replicas starting at once against an empty database both come up, and the
 *       migrations ran exactly once;</li>
 *   <li>the logs are JSON lines (the ConfigMap switches them on);</li>
 *   <li>SIGTERM while exporters send OTLP/gRPC: the process drains and exits within the
 *       termination grace period, and every batch it acknowledged is in the database.</li>
 * </ul>
 * Uses the database {@code tracebridge_it} (scripts/test.sh creates it) and empties it first.
 */
class PackagedAppIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String HOST = System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1");
    private static final String PORT = System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432");
    private static final String USER = System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge");
    private static final String PASSWORD = System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge");

    private final List<PackagedApp> replicas = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (PackagedApp r : replicas) {
            r.close();
        }
    }

    private PackagedApp start(String name) throws Exception {
        PackagedApp app = PackagedApp.start(name, PackagedApp.db(HOST, PORT, DB, USER, PASSWORD), 0, 0);
        replicas.add(app);
        return app;
    }

    @Test
    void replicasStartTogetherMigrateOnceLogJsonAndDrainOnSigterm() throws Exception {
        emptyDatabase();
        PackagedApp a = start("a");
        PackagedApp b = start("b");
        a.awaitReady(Duration.ofSeconds(90));
        b.awaitReady(Duration.ofSeconds(90));

        try (Connection c = jdbc(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, count(*), bool_and(success) FROM flyway_schema_history "
                     + "WHERE version IS NOT NULL GROUP BY version ORDER BY version")) {
            int versions = 0;
            while (rs.next()) {
                versions++;
                assertThat(rs.getInt(2)).as("migration %s applied once", rs.getString(1)).isEqualTo(1);
                assertThat(rs.getBoolean(3)).isTrue();
            }
            assertThat(versions).isEqualTo(new File("src/main/resources/db/migration").list().length);
        }

        for (PackagedApp r : List.of(a, b)) {
            assertThat(r.stdout).isNotEmpty();
            for (String line : r.stdout) {
                JsonNode entry = JSON.readTree(line);
                assertThat(entry.isObject()).as("JSON log line: %s", line).isTrue();
                assertThat(entry.has("level") && entry.has("message")).as(line).isTrue();
            }
        }
        assertThat(String.join("\n", a.stdout)).contains("tracebridge");
        // A new user reads a start-up warning as trouble: none at all. The separate OTLP/gRPC server
        // (port 4317) is declared to Quarkus by ingest.OtlpGrpcServerProvider, without which Quarkus
        // would call it "legacy support" in a WARN at every start.
        for (PackagedApp r : List.of(a, b)) {
            List<String> warnings = r.stdout.stream().map(PackagedAppIT::json)
                    .filter(e -> Set.of("WARN", "WARNING", "ERROR").contains(e.path("level").asText()))
                    .map(e -> e.path("loggerName").asText() + ": " + e.path("message").asText()).toList();
            assertThat(warnings).as("warnings at start-up").isEmpty();
            assertThat(String.join("\n", r.stdout))
                    .contains("Found server GrpcBuilderProvider: io.tracebridge.ingest.OtlpGrpcServerProvider")
                    .contains("Started gRPC server on ");
        }
        // Each reactive pool has a name of its own, so both show up in the metrics.
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + a.httpPort + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("pool_name=\"tracebridge\"").contains("pool_name=\"tracebridge-search\"");

        // SIGTERM while four exporters keep sending batches over OTLP/gRPC.
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stopSending = new AtomicBoolean();
        List<Integer> failures = new CopyOnWriteArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(4);
        for (int s = 0; s < 4; s++) {
            int sender = s;
            senders.submit(() -> {
                OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
                        .setEndpoint("http://127.0.0.1:" + a.grpcPort).setTimeout(10, TimeUnit.SECONDS)
                        .setRetryPolicy(null).build();
                for (int batch = 0; !stopSending.get(); batch++) {
                    Traces.Batch spans = Traces.build("s" + sender + "-" + batch, 50, 500);
                    CompletableResultCode r = exporter.export(spans.spans()).join(15, TimeUnit.SECONDS);
                    if (r.isSuccess()) {
                        acknowledged.put(spans.traceId(), spans.spans().size());
                    } else {
                        failures.add(batch);
                    }
                }
                exporter.shutdown();
                return null;
            });
        }
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.size() < 20 && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        assertThat(acknowledged).as("batches acknowledged before SIGTERM").hasSizeGreaterThanOrEqualTo(20);
        long sigterm = System.nanoTime();
        a.process().destroy(); // SIGTERM
        int grace = new ObjectMapper(new YAMLFactory()).readTree(new File("k8s/base/deployment.yaml"))
                .at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
        assertThat(a.process().waitFor(grace, TimeUnit.SECONDS)).as("exits within the grace period").isTrue();
        double seconds = (System.nanoTime() - sigterm) / 1e9;
        stopSending.set(true);
        senders.shutdown();
        assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        Map<String, Integer> acked = new HashMap<>(acknowledged);
        try (Connection c = jdbc(); PreparedStatement ps = c.prepareStatement(
                "SELECT trace_id, count(*) FROM spans WHERE trace_id = ANY (?) GROUP BY trace_id")) {
            ps.setArray(1, c.createArrayOf("text", acked.keySet().toArray()));
            Map<String, Integer> stored = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getInt(2));
                }
            }
            assertThat(stored).as("every acknowledged batch is stored, exactly once").isEqualTo(acked);
        }
        System.out.printf("SIGTERM: exited after %.1f s; %d batches acknowledged and stored, %d refused or cut off%n",
                seconds, acked.size(), failures.size());
        assertThat(String.join("\n", a.stdout)).doesNotContain("still in flight after");
    }

    // ---------------------------------------------------------------------------------------

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("not a JSON log line: " + line, e);
        }
    }

    private static void emptyDatabase() throws Exception {
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
    }

    private static Connection jdbc() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/" + DB, USER, PASSWORD);
    }
}

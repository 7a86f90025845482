package io.tracebridge.store;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.restassured.specification.RequestSpecification;
import io.tracebridge.support.Otel;
import io.tracebridge.support.PackagedApp;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.ThrowawayPostgres;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read pool against a real PostgreSQL streaming replica (docs/scaling.md): a throwaway
 * primary, a standby made from it with {@code pg_basebackup}, and the packaged service with
 * {@code TRACEBRIDGE_DB_READ_URL} pointing at the standby. With the standby's replay paused, a
 * trace ingested afterwards is on the primary only: trace search and the analytics do not see it
 * (they read the replica), while get-trace (falling back to the primary for a trace the replica
 * lacks) and feedback by client request ID (primary) do. Once replay resumes, search finds it.
 * The standby's {@code pg_stat_activity} shows the service's read and search connections.
 */
class ReadReplicaIT {

    @Test
    void searchesAndAnalyticsReadTheReplicaWritesAndReadAfterWriteUseThePrimary() throws Exception {
        try (ThrowawayPostgres primary = ThrowawayPostgres.start(); ThrowawayPostgres standby = primary.standby()) {
            Map<String, String> env = new HashMap<>(PackagedApp.db("127.0.0.1", String.valueOf(primary.port),
                    "tracebridge", "tracebridge", "tracebridge"));
            env.put("TRACEBRIDGE_DB_READ_URL", "postgresql://127.0.0.1:" + standby.port + "/tracebridge");
            try (PackagedApp app = PackagedApp.start("read-replica", env, 0, 0)) {
                app.awaitReady(Duration.ofSeconds(90));
                String first = send(app, "req-" + UUID.randomUUID());
                awaitReplayed(primary, standby);
                assertThat(search(app)).contains(first);

                standby.superuser("SELECT pg_wal_replay_pause()");
                String requestId = "req-" + UUID.randomUUID();
                String second = send(app, requestId);
                // The replica has not got it: search and analytics read there.
                assertThat(search(app)).contains(first).doesNotContain(second);
                assertThat(api(app).queryParam("experiment_id", "0").get("/api/tracebridge/v1/analytics/sessions")
                        .then().statusCode(200).extract().jsonPath().getList("sessions.session_id"))
                        .contains("s-" + first).doesNotContain("s-" + second);
                // Read-after-write: get-trace falls back to the primary, feedback by client request ID runs there.
                api(app).get("/api/3.0/mlflow/traces/" + second).then().statusCode(200);
                api(app).queryParam("client_request_id", requestId).queryParam("experiment_id", "0")
                        .body("{\"name\": \"thumbs\", \"value\": true}")
                        .post("/api/tracebridge/v1/feedback").then().statusCode(201);

                standby.superuser("SELECT pg_wal_replay_resume()");
                awaitReplayed(primary, standby);
                assertThat(search(app)).contains(first, second);

                List<String> onStandby = new ArrayList<>();
                try (Connection c = java.sql.DriverManager.getConnection(standby.jdbcUrl("postgres"), "postgres", "");
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT DISTINCT application_name FROM pg_stat_activity "
                             + "WHERE usename = 'tracebridge'")) {
                    while (rs.next()) {
                        onStandby.add(rs.getString(1));
                    }
                }
                assertThat(onStandby).contains("tracebridge-search", "tracebridge-read").doesNotContain("tracebridge");
            }
        }
    }

    /** One trace (root with a session, and a child) to the Default experiment, over OTLP/HTTP. */
    private static String send(PackagedApp app, String clientRequestId) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("chat").startSpan();
        String traceId = "tr-" + root.getSpanContext().getTraceId();
        root.setAttribute("mlflow.trace.client_request_id", clientRequestId);
        root.setAttribute("mlflow.trace.session", "s-" + traceId);
        tracer.spanBuilder("llm").setParent(io.opentelemetry.context.Context.current().with(root)).startSpan().end();
        root.end();
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + app.httpPort + "/v1/traces").setTimeout(20, TimeUnit.SECONDS).build();
        try {
            assertThat(Otel.send(exporter, rec.spans())).isTrue();
        } finally {
            exporter.shutdown();
        }
        return traceId;
    }

    private static RequestSpecification api(PackagedApp app) {
        return given().baseUri("http://127.0.0.1:" + app.httpPort).contentType("application/json");
    }

    private static List<String> search(PackagedApp app) {
        return api(app)
                .body("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}],"
                        + " \"max_results\": 100}")
                .post("/api/3.0/mlflow/traces/search").then().statusCode(200).extract().jsonPath()
                .getList("traces.trace_id");
    }

    /** Waits until the standby has replayed everything the primary has written so far. */
    private static void awaitReplayed(ThrowawayPostgres primary, ThrowawayPostgres standby) throws Exception {
        String target;
        try (Connection c = java.sql.DriverManager.getConnection(primary.jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = rs.getString(1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Connection c = java.sql.DriverManager.getConnection(standby.jdbcUrl("postgres"), "postgres", "");
                 java.sql.PreparedStatement s = c.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
                s.setString(1, target);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the standby did not replay up to " + target + " within 30 s");
    }
}

package io.tracebridge.traces;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Trace retention end to end (docs/retention.md): experiments with different retentions, old and
 * new traces sent with the real OTel SDK, feedback on them (one attached from pending), and one
 * expiry run; only the traces past their experiment's retention go, with everything attached to
 * them, and the feedback rollup stays exact.
 */
@QuarkusTest
class RetentionTest {
    private static final long DAY = 86_400_000L;

    @Inject
    RetentionSweeper sweeper;

    @Inject
    Pool pool;

    @Test
    void onlyTracesPastTheirExperimentsRetentionGoWithEverythingAttached() {
        long now = System.currentTimeMillis();
        String oneDay = experiment("P1D");
        String tenDays = experiment("P10D");
        String forever = experiment("forever");
        String untagged = Experiments.create("retention-untagged");

        String requestId = "req-" + UUID.randomUUID();
        // Feedback before its trace: pending, then attached when the old trace arrives.
        given().contentType("application/json").queryParam("client_request_id", requestId)
                .queryParam("experiment_id", oneDay).body("{\"name\": \"thumbs\", \"value\": false}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(202);
        String oldOneDay = send(oneDay, now - 5 * DAY, requestId);
        String newOneDay = send(oneDay, now - 3_600_000L, null);
        String oldTenDays = send(tenDays, now - 5 * DAY, null);
        String oldForever = send(forever, now - 400 * DAY, null);
        String oldUntagged = send(untagged, now - 400 * DAY, null);
        feedback(oldOneDay, true);
        feedback(newOneDay, true);
        feedback(oldTenDays, false);
        given().contentType("application/json")
                .body("{\"key\": \"team\", \"value\": \"a\"}")
                .patch("/api/2.0/mlflow/traces/" + oldOneDay + "/tags").then().statusCode(200);
        assertThat(Db.count(pool, "SELECT count(*) FROM pending_feedback WHERE trace_id = $1 AND status = 'ATTACHED'",
                oldOneDay)).isEqualTo(1);
        assertThat(rolledUpFeedback(oneDay)).isEqualTo(3);

        RetentionSweeper.Run run = sweeper.sweep().await().atMost(Duration.ofSeconds(30));

        assertThat(run.ran()).isTrue();
        assertThat(run.tracesDeleted()).isGreaterThanOrEqualTo(1);
        given().get("/api/3.0/mlflow/traces/" + oldOneDay).then().statusCode(404);
        for (String table : List.of("spans", "trace_tags", "trace_metadata", "assessments", "pending_feedback")) {
            assertThat(Db.count(pool, "SELECT count(*) FROM " + table + " WHERE trace_id = $1", oldOneDay))
                    .as(table).isZero();
        }
        for (String kept : List.of(newOneDay, oldTenDays, oldForever, oldUntagged)) {
            given().get("/api/3.0/mlflow/traces/" + kept).then().statusCode(200);
        }
        // The rollup was corrected by the deletion: it agrees with the rows left, and so do the analytics.
        assertThat(rolledUpFeedback(oneDay)).isEqualTo(1).isEqualTo(Db.count(pool,
                "SELECT count(*) FROM assessments WHERE experiment_id = $1 AND kind = 'FEEDBACK' AND valid",
                Long.parseLong(oneDay)));
        given().queryParam("experiment_id", oneDay).get("/api/tracebridge/v1/analytics/feedback").then().statusCode(200)
                .body("feedback[0].count", equalTo(1));

        // A second run finds nothing more of these, and the metrics count the runs.
        sweeper.sweep().await().atMost(Duration.ofSeconds(30));
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE experiment_id = ANY($1)",
                (Object) new Long[] {Long.parseLong(oneDay), Long.parseLong(tenDays)})).isEqualTo(2);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("tracebridge_retention_traces_deleted_total")
                .contains("tracebridge_retention_runs_total{outcome=\"done\"}")
                .contains("tracebridge_retention_last_success_seconds");
    }

    /** A replica that does not get the expiry lock skips the run and deletes nothing. */
    @Test
    void aRunIsSkippedWhileAnotherReplicaHoldsTheLock() {
        String exp = experiment("P1D");
        String old = send(exp, System.currentTimeMillis() - 3 * DAY, null);
        SqlConnection other = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        try {
            assertThat(other.preparedQuery("SELECT pg_try_advisory_lock($1) AS locked")
                    .execute(Tuple.of(io.tracebridge.store.RetentionStore.LOCK_KEY)).await().atMost(Duration.ofSeconds(5))
                    .iterator().next().getBoolean("locked")).isTrue();
            assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(30)).ran()).isFalse();
            given().get("/api/3.0/mlflow/traces/" + old).then().statusCode(200);
        } finally {
            // The connection goes back to the pool with its session: release the lock first, or
            // a later sweep on another pooled connection would find it held.
            other.preparedQuery("SELECT pg_advisory_unlock_all()").execute().await().atMost(Duration.ofSeconds(5));
            other.closeAndAwait();
        }
        assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(30)).ran()).isTrue();
        given().get("/api/3.0/mlflow/traces/" + old).then().statusCode(404);
    }

    /** The tag is checked where it is set, in MLflow's error format. */
    @Test
    void anInvalidRetentionTagIsRefused() {
        String exp = Experiments.create("retention-bad");
        for (String bad : List.of("30 days", "P30X", "PT30S", "-P1D")) {
            given().contentType("application/json")
                    .body("{\"experiment_id\": \"" + exp + "\", \"key\": \"" + Retention.TAG + "\", \"value\": \"" + bad + "\"}")
                    .post("/api/2.0/mlflow/experiments/set-experiment-tag").then().statusCode(400)
                    .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", containsString(Retention.TAG));
        }
        given().contentType("application/json")
                .body("{\"name\": \"retention-bad-" + UUID.randomUUID() + "\", \"tags\": [{\"key\": \"" + Retention.TAG
                        + "\", \"value\": \"soon\"}]}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }

    @Test
    void retentionValues() {
        assertThat(Retention.parse("P30D")).contains(Duration.ofDays(30));
        assertThat(Retention.parse(" PT12H ")).contains(Duration.ofHours(12));
        assertThat(Retention.parse("Forever")).isEmpty();
        assertThatThrownBy(() -> Retention.parse("PT59S")).hasMessageContaining("shorter than one minute");
        assertThatThrownBy(() -> Retention.parse("P99999999D")).hasMessageContaining("forever");
        assertThatThrownBy(() -> Retention.parse("30d")).hasMessageContaining("ISO-8601");
        // The tag wins over the default; an unreadable stored tag keeps the traces.
        assertThat(Retention.of(null, Optional.of(Duration.ofDays(7)))).contains(Duration.ofDays(7));
        assertThat(Retention.of("P1D", Optional.of(Duration.ofDays(7)))).contains(Duration.ofDays(1));
        assertThat(Retention.of("forever", Optional.of(Duration.ofDays(7)))).isEmpty();
        assertThat(Retention.of("garbage", Optional.of(Duration.ofDays(7)))).isEmpty();
        assertThat(Retention.of(null, Optional.empty())).isEmpty();
    }

    static String experiment(String retention) {
        String id = Experiments.create("retention");
        given().contentType("application/json")
                .body("{\"experiment_id\": \"" + id + "\", \"key\": \"" + Retention.TAG + "\", \"value\": \"" + retention + "\"}")
                .post("/api/2.0/mlflow/experiments/set-experiment-tag").then().statusCode(200);
        return id;
    }

    /** A root and a child span, started at {@code startMs}, sent with the real OTel SDK exporter. */
    static String send(String experimentId, long startMs, String clientRequestId) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("chat").setStartTimestamp(startMs, TimeUnit.MILLISECONDS).startSpan();
        root.setAttribute("mlflow.trace.session", "s-" + experimentId);
        if (clientRequestId != null) {
            root.setAttribute("mlflow.trace.client_request_id", clientRequestId);
        }
        try (Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder("llm").setStartTimestamp(startMs + 10, TimeUnit.MILLISECONDS).startSpan()
                    .end(startMs + 90, TimeUnit.MILLISECONDS);
        }
        root.end(startMs + 100, TimeUnit.MILLISECONDS);
        assertThat(Otel.send(Otel.httpExporter(experimentId, null), rec.spans())).isTrue();
        return "tr-" + root.getSpanContext().getTraceId();
    }

    private static void feedback(String traceId, boolean value) {
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "thumbs", "source": {"source_type": "HUMAN"},
                  "feedback": {"value": %s}}}""".formatted(value))
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200);
    }

    private long rolledUpFeedback(String experimentId) {
        return Db.count(pool, "SELECT coalesce(sum(cnt), 0)::bigint FROM feedback_rollup WHERE experiment_id = $1 AND dim = '-'",
                Long.parseLong(experimentId));
    }
}

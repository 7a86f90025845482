package io.tracebridge.feedback;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.search.TraceSearchTestSupport;
import io.tracebridge.store.PendingFeedbackStore;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.support.AdjustableClock;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

/**
 * The user guide's flow: an OTLP trace with a client request ID, feedback by that ID, and the
 * searches that find it (docs/mlflow-compatibility.md §5.5 examples 29–32, §8.7).
 */
@QuarkusTest
class FeedbackFlowTest {

    @Inject
    Pool pool;

    @Inject
    PendingFeedbackStore pending;

    @Inject
    PendingFeedbackSweeper sweeper;

    @Inject
    AdjustableClock clock;

    @Inject
    TracebridgeConfig config;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void feedbackByClientRequestIdThenSearch() {
        String exp = Experiments.create("flow");
        String requestId = "req-" + UUID.randomUUID();
        String traceId = Traces.send(exp, "POST /chat", requestId);
        String other = Traces.send(exp, "POST /chat", "req-" + UUID.randomUUID());

        JsonPath a = given().contentType("application/json").header("X-User-ID", "user-jane")
                .queryParam("client_request_id", requestId).queryParam("experiment_id", exp)
                .body("{\"name\": \"response_is_correct\", \"value\": true, \"rationale\": \"Thumbs up\"}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(201).extract().jsonPath().setRootPath("assessment");
        assertThat(a.getString("trace_id")).isEqualTo(traceId);
        assertThat(a.getString("source.source_type")).isEqualTo("HUMAN");
        assertThat(a.getString("source.source_id")).isEqualTo("user-jane");
        assertThat(a.getString("rationale")).isEqualTo("Thumbs up");

        log(other, "score", "0.4");
        log(traceId, "score", "0.9");
        log(other, "rating", "\"negative\"");
        log(traceId, "rating", "\"positive\"");
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "expected_response", "source": {"source_type": "HUMAN"},
                  "expectation": {"value": "Use the reset link"}}}""")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200);

        assertThat(TraceSearchTestSupport.ids(exp, "feedback.response_is_correct = 'true'")).containsExactly(traceId);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.rating = 'positive'")).containsExactly(traceId);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.rating = 'negative'")).containsExactly(other);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.score > 0.8")).containsExactly(traceId);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.score <= 0.8")).containsExactly(other);
        assertThat(TraceSearchTestSupport.ids(exp, "expectation.expected_response IS NOT NULL")).containsExactly(traceId);
        assertThat(TraceSearchTestSupport.ids(exp, "expectation.expected_response IS NULL")).containsExactly(other);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.rating LIKE 'neg%'")).containsExactly(other);
        given().contentType("application/json").body(TraceSearchTestSupport.body(exp, "feedback.score > 'high'"))
                .post("/api/3.0/mlflow/traces/search").then().statusCode(400)
                .body("message", containsString("Expected numeric value"));
    }

    /** Only valid assessments match: an overridden feedback no longer counts. */
    @Test
    void overriddenFeedbackDoesNotMatch() {
        String exp = Experiments.create("valid-only");
        String traceId = Traces.send(exp, "chat", null);
        String old = log(traceId, "rating", "\"negative\"");
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "rating", "source": {"source_type": "HUMAN"},
                  "feedback": {"value": "positive"}, "overrides": "%s"}}""".formatted(old))
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200);
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.rating = 'negative'")).isEmpty();
        assertThat(TraceSearchTestSupport.ids(exp, "feedback.rating = 'positive'")).containsExactly(traceId);
    }

    /** Feedback before its trace: 202 pending; the trace's arrival attaches it. */
    @Test
    void feedbackBeforeTheTraceArrives() {
        String exp = Experiments.create("pending");
        String requestId = "req-" + UUID.randomUUID();
        JsonPath p = given().contentType("application/json").header("X-User-ID", "user-bob")
                .queryParam("client_request_id", requestId).queryParam("experiment_id", exp)
                .body("{\"value\": false, \"rationale\": \"Wrong answer\"}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(202).extract().jsonPath()
                .setRootPath("pending_feedback");
        assertThat(p.getString("status")).isEqualTo("PENDING");
        assertThat(p.getString("name")).isEqualTo("feedback");
        assertThat(p.getString("pending_id")).startsWith("pf-");
        given().queryParam("experiment_id", exp).queryParam("status", "pending").get("/api/tracebridge/v1/feedback/pending")
                .then().statusCode(200).body("pending_feedback", hasSize(1))
                .body("pending_feedback[0].client_request_id", equalTo(requestId));

        String traceId = Traces.send(exp, "late trace", requestId);
        given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200)
                .body("trace.trace_info.assessments", hasSize(1))
                .body("trace.trace_info.assessments[0].assessment_name", equalTo("feedback"))
                .body("trace.trace_info.assessments[0].feedback.value", equalTo(false))
                .body("trace.trace_info.assessments[0].source.source_id", equalTo("user-bob"));
        given().queryParam("experiment_id", exp).get("/api/tracebridge/v1/feedback/pending").then().statusCode(200)
                .body("pending_feedback[0].status", equalTo("ATTACHED"))
                .body("pending_feedback[0].trace_id", equalTo(traceId));
        // Re-sending the trace does not attach it twice.
        Traces.send(exp, "other trace, same request", requestId);
        assertThat(Db.count(pool, "SELECT count(*) FROM assessments WHERE trace_id = $1", traceId)).isEqualTo(1);
    }

    /**
     * Pending feedback past its window expires and is listed as such; a later trace does not get
     * it; past the retention the expired record is deleted, while a pending one is kept. Time
     * passes on the service's clock.
     */
    @Test
    void pendingFeedbackExpires() {
        String exp = Experiments.create("expiry");
        String requestId = "req-" + UUID.randomUUID();
        given().contentType("application/json").queryParam("client_request_id", requestId).queryParam("experiment_id", exp)
                .body("{\"value\": 1}").post("/api/tracebridge/v1/feedback").then().statusCode(202);
        // Not yet: within its window the feedback stays pending.
        sweeper.sweep().await().indefinitely();
        given().queryParam("experiment_id", exp).queryParam("status", "PENDING").get("/api/tracebridge/v1/feedback/pending")
                .then().statusCode(200).body("pending_feedback", hasSize(1));

        clock.advance(config.feedback().pendingTtl().plusSeconds(1));
        int[] counts = sweeper.sweep().await().indefinitely();
        assertThat(counts[1]).isGreaterThanOrEqualTo(1);
        given().queryParam("experiment_id", exp).queryParam("status", "EXPIRED").get("/api/tracebridge/v1/feedback/pending")
                .then().statusCode(200).body("pending_feedback", hasSize(1))
                .body("pending_feedback[0].client_request_id", equalTo(requestId));
        String traceId = Traces.send(exp, "too late", requestId);
        assertThat(Db.count(pool, "SELECT count(*) FROM assessments WHERE trace_id = $1", traceId)).isZero();

        // Past the retention the expired record is deleted; feedback still in its window is kept.
        clock.advance(config.feedback().pendingRetention().plusSeconds(1));
        String waiting = "req-" + UUID.randomUUID();
        given().contentType("application/json").queryParam("client_request_id", waiting).queryParam("experiment_id", exp)
                .body("{\"value\": 1}").post("/api/tracebridge/v1/feedback").then().statusCode(202);
        counts = sweeper.sweep().await().indefinitely();
        assertThat(counts[2]).isGreaterThanOrEqualTo(1);
        given().queryParam("experiment_id", exp).get("/api/tracebridge/v1/feedback/pending").then().statusCode(200)
                .body("pending_feedback", hasSize(1))
                .body("pending_feedback[0].client_request_id", equalTo(waiting))
                .body("pending_feedback[0].status", equalTo("PENDING"));
    }

    @Test
    void feedbackEndpointValidation() {
        given().contentType("application/json").body("{\"value\": 1}").post("/api/tracebridge/v1/feedback")
                .then().statusCode(400).body("message", containsString("client_request_id"));
        given().contentType("application/json").queryParam("client_request_id", "r").body("{}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(400).body("message", containsString("'value'"));
        given().contentType("application/json").queryParam("client_request_id", "r")
                .queryParam("experiment_name", "no-such-" + UUID.randomUUID()).body("{\"value\": 1}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(404);
        given().contentType("application/json").queryParam("client_request_id", "r")
                .body("{\"value\": 1, \"source_type\": \"ROBOT\"}")
                .post("/api/tracebridge/v1/feedback").then().statusCode(400);
        given().queryParam("status", "LOST").get("/api/tracebridge/v1/feedback/pending").then().statusCode(400);
    }

    private static String log(String traceId, String name, String valueJson) {
        return given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "%s", "source": {"source_type": "HUMAN", "source_id": "u"},
                  "feedback": {"value": %s}}}""".formatted(name, valueJson))
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200)
                .extract().path("assessment.assessment_id");
    }
}

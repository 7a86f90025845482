package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.tracebridge.store.ExperimentStore;
import io.tracebridge.store.StoreFailures;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Requests;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.UUID;

/**
 * Text PostgreSQL cannot store (U+0000, and unpaired UTF-16 surrogates that JSON can spell as
 * {@code \ud800}) is refused by every REST write with 400 INVALID_PARAMETER_VALUE naming the
 * field, and nothing is stored. The parameter is the JSON escape as sent on the wire.
 */
@QuarkusTest
class UnstorableTextApiTest {

    @Inject
    Pool pool;

    @Inject
    ExperimentStore experiments;

    private static ValidatableResponse invalid(ValidatableResponse r, String field) {
        return r.statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("'" + field + "'"))
                .body("message", containsString("cannot be stored"));
    }

    private static String what(String escape) {
        return escape.equals("\\u0000") ? "NUL character (U+0000)" : "unpaired UTF-16 surrogate (U+D800)";
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void experimentNameArtifactLocationAndTags(String bad) {
        String prefix = "unstorable-" + UUID.randomUUID();
        invalid(given().contentType("application/json").body("{\"name\": \"" + prefix + bad + "x\"}")
                .post("/api/2.0/mlflow/experiments/create").then(), "name")
                .body("message", containsString(what(bad)));
        invalid(given().contentType("application/json")
                .body("{\"name\": \"" + prefix + "\", \"artifact_location\": \"s3://b/" + bad + "\"}")
                .post("/api/2.0/mlflow/experiments/create").then(), "artifact_location");
        invalid(given().contentType("application/json")
                .body("{\"name\": \"" + prefix + "\", \"tags\": [{\"key\": \"k" + bad + "\", \"value\": \"v\"}]}")
                .post("/api/2.0/mlflow/experiments/create").then(), "tags[0].key");
        invalid(given().contentType("application/json")
                .body("{\"name\": \"" + prefix + "\", \"tags\": [{\"key\": \"k\", \"value\": \"v\"}, {\"key\": \"k2\", \"value\": \"v" + bad + "\"}]}")
                .post("/api/2.0/mlflow/experiments/create").then(), "tags[1].value");
        assertThat(Db.count(pool, "SELECT count(*) FROM experiments WHERE name LIKE $1", prefix + "%")).isZero();
    }

    /**
     * The safety net for a path no check covers: Hibernate Reactive (the experiment store) turns
     * the PgException into a Hibernate DataException around a plain SQLException, and that must
     * still be a data error, answered 400, not 500.
     */
    @Test
    void databaseRefusalThroughHibernateIsADataError() {
        Throwable failure = experiments.getByName("a\u0000b").onItem().transform(e -> (Throwable) null)
                .onFailure().recoverWithItem(t -> t).await().indefinitely();
        assertThat(failure).as("PostgreSQL refuses U+0000").isNotNull();
        assertThat(StoreFailures.isDataError(failure)).isTrue();
        assertThat(StoreFailures.sqlState(failure)).isEqualTo("22021");
        var response = new ErrorMapper().unexpected(failure);
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.getEntity().toString()).contains("INVALID_PARAMETER_VALUE")
                .contains("text that cannot be stored");
    }

    @ParameterizedTest
    @ValueSource(strings = {"%00", "a%00b"})
    void nulInQueryParameters(String bad) {
        invalid(given().urlEncodingEnabled(false).get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + bad)
                .then(), "experiment_name");
        invalid(given().urlEncodingEnabled(false).contentType("application/json")
                .body("{\"name\": \"n\", \"value\": true}")
                .post("/api/tracebridge/v1/feedback?client_request_id=" + bad).then(), "client_request_id");
        invalid(given().urlEncodingEnabled(false)
                .get("/api/tracebridge/v1/analytics/sessions?experiment_id=0&user_id=" + bad).then(), "user_id");
        invalid(given().urlEncodingEnabled(false)
                .get("/api/tracebridge/v1/analytics/sessions/s" + bad + "?experiment_id=0").then(), "session_id");
        invalid(given().urlEncodingEnabled(false).header("X-User-ID", "jane").contentType("application/json")
                .body("{\"name\": \"n\", \"value\": true}")
                .post("/api/tracebridge/v1/feedback?client_request_id=r&experiment_name=" + bad).then(), "experiment_name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void traceTags(String bad) {
        String traceId = Traces.send(Experiments.create("unstorable-tags"), "chat", null);
        invalid(given().contentType("application/json").body("{\"key\": \"k" + bad + "\", \"value\": \"v\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then(), "key");
        invalid(given().contentType("application/json").body("{\"key\": \"k\", \"value\": \"v" + bad + "\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then(), "value");
        invalid(given().contentType("application/json").body("{\"key\": \"k" + bad + "\"}")
                .delete("/api/2.0/mlflow/traces/" + traceId + "/tags").then(), "key");
        assertThat(Db.count(pool, "SELECT count(*) FROM trace_tags WHERE trace_id = $1 AND key LIKE 'k%'", traceId))
                .isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void assessments(String bad) {
        String traceId = Traces.send(Experiments.create("unstorable-assess"), "chat", null);
        String body = """
                {"assessment": {"assessment_name": "%s", "trace_id": "%s",
                  "source": {"source_type": "HUMAN", "source_id": "%s"},
                  "feedback": {"value": %s}, "rationale": "%s", "metadata": {"%s": "%s"}}}
                """;
        String[][] cases = {
                {"n" + bad, "jane", "true", "r", "m", "v", "assessment.assessment_name"},
                {"n", "jane" + bad, "true", "r", "m", "v", "assessment.source.source_id"},
                {"n", "jane", "\"yes" + bad + "\"", "r", "m", "v", "assessment.feedback.value"},
                {"n", "jane", "{\"k\": [\"x" + bad + "\"]}", "r", "m", "v", "assessment.feedback.value.k[0]"},
                {"n", "jane", "true", "good" + bad, "m", "v", "assessment.rationale"},
                {"n", "jane", "true", "r", "m", "v" + bad, "assessment.metadata.m"},
                {"n", "jane", "true", "r", "m" + bad, "v", "assessment.metadata"},
        };
        for (String[] c : cases) {
            invalid(given().contentType("application/json")
                    .body(body.formatted(c[0], traceId, c[1], c[2], c[3], c[4], c[5]))
                    .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then(), c[6]);
        }
        assertThat(Db.count(pool, "SELECT count(*) FROM assessments WHERE trace_id = $1", traceId)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void feedbackByClientRequestId(String bad) {
        String exp = Experiments.create("unstorable-feedback");
        String requestId = "req-" + UUID.randomUUID();
        String[][] cases = {
                {"{\"name\": \"n" + bad + "\", \"value\": true}", "name"},
                {"{\"name\": \"n\", \"value\": true, \"rationale\": \"r" + bad + "\"}", "rationale"},
                {"{\"name\": \"n\", \"value\": \"v" + bad + "\"}", "value"},
                {"{\"name\": \"n\", \"value\": true, \"source_id\": \"s" + bad + "\"}", "source_id"},
                {"{\"name\": \"n\", \"value\": true, \"metadata\": {\"m\": \"v" + bad + "\"}}", "metadata.m"},
        };
        for (String[] c : cases) {
            invalid(given().contentType("application/json").queryParam("client_request_id", requestId)
                    .queryParam("experiment_id", exp).body(c[0])
                    .post("/api/tracebridge/v1/feedback").then(), c[1]);
        }
        assertThat(Db.count(pool, "SELECT count(*) FROM pending_feedback WHERE client_request_id = $1", requestId))
                .isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void startTraceV3(String bad) {
        String exp = Experiments.create("unstorable-start");
        String body = """
                {"trace": {"trace_info": {"trace_id": "%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_time": "2025-06-04T00:17:06.901Z", "client_request_id": "%s", "request_preview": "%s",
                  "trace_metadata": {"%s": "%s"}, "tags": {"t": "%s"}}}}
                """;
        String[][] cases = {
                {"c" + bad, "p", "m", "v", "t", "trace.trace_info.client_request_id"},
                {"c", "p" + bad, "m", "v", "t", "trace.trace_info.request_preview"},
                {"c", "p", "m", "v" + bad, "t", "trace.trace_info.trace_metadata.m"},
                {"c", "p", "m" + bad, "v", "t", "trace.trace_info.trace_metadata"},
                {"c", "p", "m", "v", "t" + bad, "trace.trace_info.tags.t"},
        };
        for (String[] c : cases) {
            String traceId = "tr-" + Requests.randomTraceHex();
            invalid(given().contentType("application/json")
                    .body(body.formatted(traceId, exp, c[0], c[1], c[2], c[3], c[4]))
                    .post("/api/3.0/mlflow/traces").then(), c[5]);
            assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", traceId)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u0000", "\\ud800"})
    void searchFiltersAndPageTokens(String bad) {
        String exp = Experiments.create("unstorable-search");
        invalid(given().contentType("application/json")
                .body("{\"experiment_ids\": [\"" + exp + "\"], \"filter\": \"tag.k = 'v" + bad + "'\"}")
                .post("/api/3.0/mlflow/traces/search").then(), "filter");
        invalid(given().contentType("application/json")
                .body("{\"experiment_ids\": [\"" + exp + "\"], \"page_token\": \"x" + bad + "\"}")
                .post("/api/3.0/mlflow/traces/search").then(), "page_token");
        invalid(given().contentType("application/json").body("{\"filter\": \"name = 'a" + bad + "'\"}")
                .post("/api/2.0/mlflow/experiments/search").then(), "filter");
    }
}

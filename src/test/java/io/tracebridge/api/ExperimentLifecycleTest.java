package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * MLflow's experiment lifecycle (DeleteExperiment, RestoreExperiment, UpdateExperiment,
 * SetExperimentTag, DeleteExperimentTag, SearchExperiments' view_type) with the codes and wording
 * of MLflow's SQL store, and what a deleted experiment means for its traces: no new ones (OTLP
 * over HTTP and gRPC, StartTraceV3), out of trace search, analytics and feedback by client
 * request ID, still readable by ID and still writable (tags, assessments), all back once restored.
 */
@QuarkusTest
class ExperimentLifecycleTest {
    private static final String EXP = "/api/2.0/mlflow/experiments/";

    @Inject
    Pool pool;

    // ---- The endpoints ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"2.0", "3.0"})
    void deleteRestoreRenameAndTagsAnswerEmptyObjects(String version) {
        String base = "/api/" + version + "/mlflow/experiments/";
        String name = "life-" + UUID.randomUUID();
        String id = create(name);
        long created = experiment(id).extract().jsonPath().getLong("experiment.last_update_time");

        post(base + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"team\", \"value\": \"a\"}")
                .statusCode(200).body(equalTo("{}"));
        post(base + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"team\", \"value\": \"b\"}")
                .statusCode(200);
        post(base + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"empty\"}").statusCode(200);
        experiment(id).body("experiment.tags.find { it.key == 'team' }.value", equalTo("b"))
                .body("experiment.tags.find { it.key == 'empty' }.value", equalTo(""));
        post(base + "delete-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"team\"}")
                .statusCode(200).body(equalTo("{}"));
        experiment(id).body("experiment.tags.key", equalTo(List.of("empty")));

        post(base + "update", "{\"experiment_id\": \"" + id + "\", \"new_name\": \"" + name + "-renamed\"}")
                .statusCode(200).body(equalTo("{}"));
        experiment(id).body("experiment.name", equalTo(name + "-renamed"));
        given().queryParam("experiment_name", name).get(base + "get-by-name").then().statusCode(404);
        // Renaming to its own name changes nothing and is no conflict.
        post(base + "update", "{\"experiment_id\": \"" + id + "\", \"new_name\": \"" + name + "-renamed\"}").statusCode(200);

        post(base + "delete", "{\"experiment_id\": \"" + id + "\"}").statusCode(200).body(equalTo("{}"));
        experiment(id).body("experiment.lifecycle_stage", equalTo("deleted"))
                .body("experiment.name", equalTo(name + "-renamed"));
        assertThat(experiment(id).extract().jsonPath().getLong("experiment.last_update_time")).isGreaterThanOrEqualTo(created);
        post(base + "restore", "{\"experiment_id\": \"" + id + "\"}").statusCode(200).body(equalTo("{}"));
        experiment(id).body("experiment.lifecycle_stage", equalTo("active"));
        // The Python client sends experiment IDs as strings; numbers are accepted too.
        post(base + "delete", "{\"experiment_id\": " + id + "}").statusCode(200);
        experiment(id).body("experiment.lifecycle_stage", equalTo("deleted"));
    }

    @Test
    void errorsAreMlflows() {
        String id = create("errors-" + UUID.randomUUID());
        for (String op : List.of("delete", "restore", "update", "set-experiment-tag", "delete-experiment-tag")) {
            post(EXP + op, "{}").statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", equalTo("Missing value for required parameter 'experiment_id'."));
            post(EXP + op, "{\"experiment_id\": \"abc\", \"new_name\": \"x\", \"key\": \"k\"}").statusCode(400)
                    .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", equalTo("Invalid experiment ID: 'abc'"));
            post(EXP + op, "{\"experiment_id\": \"99999999\", \"new_name\": \"x\", \"key\": \"k\"}").statusCode(404)
                    .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                    .body("message", equalTo("No Experiment with id=99999999 exists"));
        }
        post(EXP + "update", "{\"experiment_id\": \"" + id + "\"}").statusCode(400)
                .body("message", equalTo("Missing value for required parameter 'new_name'."));
        post(EXP + "update", "{\"experiment_id\": \"" + id + "\", \"new_name\": \"  \"}").statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        post(EXP + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"value\": \"v\"}").statusCode(400)
                .body("message", equalTo("Missing value for required parameter 'key'."));
        post(EXP + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"k\", \"value\": \""
                + "v".repeat(20_001) + "\"}").statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        post(EXP + "delete-experiment-tag", "{\"experiment_id\": \"" + id + "\"}").statusCode(400)
                .body("message", equalTo("Missing value for required parameter 'key'."));
        post(EXP + "delete-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"nope\"}").statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", equalTo("No tag with name: nope in experiment with id " + id));
        post(EXP + "delete", "{\"experiment_id\": \"" + id + "\"", 400).body("error_code", equalTo("MALFORMED_REQUEST"));

        // MLflow's SQL store looks an experiment up in the stage the operation starts from:
        // restoring an active one, or deleting a deleted one, is "does not exist".
        post(EXP + "restore", "{\"experiment_id\": \"" + id + "\"}").statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", equalTo("No Experiment with id=" + id + " exists"));
        post(EXP + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"kept\", \"value\": \"1\"}")
                .statusCode(200);
        post(EXP + "delete", "{\"experiment_id\": \"" + id + "\"}").statusCode(200);
        post(EXP + "delete", "{\"experiment_id\": \"" + id + "\"}").statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", equalTo("No Experiment with id=" + id + " exists"));
        // A deleted experiment cannot be renamed (INVALID_STATE) nor tagged (INVALID_PARAMETER_VALUE).
        post(EXP + "update", "{\"experiment_id\": \"" + id + "\", \"new_name\": \"other-" + UUID.randomUUID() + "\"}")
                .statusCode(400).body("error_code", equalTo("INVALID_STATE"))
                .body("message", equalTo("Cannot rename a non-active experiment."));
        String inactive = "The experiment " + id + " must be in the 'active' state. Current state is deleted.";
        post(EXP + "set-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"k\", \"value\": \"v\"}")
                .statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE")).body("message", equalTo(inactive));
        post(EXP + "delete-experiment-tag", "{\"experiment_id\": \"" + id + "\", \"key\": \"kept\"}")
                .statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE")).body("message", equalTo(inactive));
        experiment(id).body("experiment.tags.key", equalTo(List.of("kept")));
    }

    @Test
    void namesOfDeletedExperimentsStayTaken() {
        String name = "taken-" + UUID.randomUUID();
        String id = create(name);
        String other = create("other-" + UUID.randomUUID());
        post(EXP + "delete", "{\"experiment_id\": \"" + id + "\"}").statusCode(200);
        // get and get-by-name return the deleted experiment, as MLflow's store does (ViewType.ALL).
        experiment(id).body("experiment.lifecycle_stage", equalTo("deleted"));
        given().queryParam("experiment_name", name).get("/api/3.0/mlflow/experiments/get-by-name").then()
                .statusCode(200).body("experiment.experiment_id", equalTo(id))
                .body("experiment.lifecycle_stage", equalTo("deleted"));
        post(EXP + "create", "{\"name\": \"" + name + "\"}").statusCode(400)
                .body("error_code", equalTo("RESOURCE_ALREADY_EXISTS"))
                .body("message", startsWith("Experiment(name=" + name + ") already exists."));
        post(EXP + "update", "{\"experiment_id\": \"" + other + "\", \"new_name\": \"" + name + "\"}").statusCode(400)
                .body("error_code", equalTo("RESOURCE_ALREADY_EXISTS"))
                .body("message", equalTo("Experiment(name=" + name + ") already exists."));
        post(EXP + "update", "{\"experiment_id\": \"" + other + "\", \"new_name\": \"Default\"}").statusCode(400)
                .body("error_code", equalTo("RESOURCE_ALREADY_EXISTS"));
        experiment(other).body("experiment.name", startsWith("other-"));
    }

    /** MLflow's SQL store lets the Default experiment be deleted (only its file store refused). */
    @Test
    void theDefaultExperimentCanBeDeletedAndRestored() {
        try {
            post(EXP + "delete", "{\"experiment_id\": \"0\"}").statusCode(200);
            experiment("0").body("experiment.lifecycle_stage", equalTo("deleted"))
                    .body("experiment.name", equalTo("Default"));
            // OTLP without a header goes to the default experiment, which now refuses it.
            assertThat(send(Otel.httpExporter(null, null)).ok()).isFalse();
        } finally {
            post(EXP + "restore", "{\"experiment_id\": \"0\"}");
        }
        experiment("0").body("experiment.lifecycle_stage", equalTo("active"));
        assertThat(send(Otel.httpExporter(null, null)).ok()).isTrue();
    }

    // ---- view_type -------------------------------------------------------------------------------

    @Test
    void searchViewTypes() {
        String prefix = "view-" + UUID.randomUUID();
        String active = create(prefix + "-active");
        String deleted = create(prefix + "-deleted");
        post(EXP + "delete", "{\"experiment_id\": \"" + deleted + "\"}").statusCode(200);
        String filter = "name LIKE '" + prefix + "%'";
        List<String> both = java.util.stream.Stream.of(active, deleted).sorted().toList();
        Map<String, List<String>> expected = Map.of(
                "", List.of(active), "ACTIVE_ONLY", List.of(active), "DELETED_ONLY", List.of(deleted),
                "ALL", both, "1", List.of(active), "2", List.of(deleted), "3", both);
        expected.forEach((viewType, ids) -> {
            String body = "{\"filter\": \"" + filter + "\"" + (viewType.isEmpty() ? "" : ", \"view_type\": \"" + viewType + "\"") + "}";
            assertThat(sorted(post(EXP + "search", body).statusCode(200).extract().jsonPath()
                    .getList("experiments.experiment_id", String.class))).as("POST view_type %s", viewType).isEqualTo(ids);
            var get = given().queryParam("filter", filter);
            if (!viewType.isEmpty()) {
                get.queryParam("view_type", viewType);
            }
            assertThat(sorted(get.get("/api/3.0/mlflow/experiments/search").then().statusCode(200).extract().jsonPath()
                    .getList("experiments.experiment_id", String.class))).as("GET view_type %s", viewType).isEqualTo(ids);
        });
        // protobuf JSON also allows the enum's number as a JSON number
        assertThat(post(EXP + "search", "{\"filter\": \"" + filter + "\", \"view_type\": 2}").statusCode(200)
                .extract().jsonPath().getList("experiments.experiment_id")).isEqualTo(List.of(deleted));
        assertThat(post(EXP + "search", "{\"filter\": \"" + filter + "\", \"view_type\": \"DELETED_ONLY\"}")
                .extract().jsonPath().getList("experiments.lifecycle_stage")).isEqualTo(List.of("deleted"));
        for (String bad : List.of("\"DELETED\"", "\"4\"", "0", "\"all_of_them\"")) {
            post(EXP + "search", "{\"view_type\": " + bad + "}").statusCode(400)
                    .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        }
        given().queryParam("view_type", "SOME").get(EXP + "search").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        post(EXP + "restore", "{\"experiment_id\": \"" + deleted + "\"}").statusCode(200);
        assertThat(post(EXP + "search", "{\"filter\": \"" + filter + "\"}").extract().jsonPath()
                .getList("experiments.experiment_id")).containsExactlyInAnyOrder(active, deleted);
    }

    // ---- Traces of a deleted experiment ---------------------------------------------------------

    @Test
    void otlpIntoADeletedExperimentIsRefusedOverHttpAndGrpcUntilRestored() {
        String exp = Experiments.create("otlp-deleted");
        // Accepted first, so the experiment is in the ingest's cache when it is deleted.
        Sent before = send(Otel.httpExporter(exp, null));
        assertThat(before.ok()).isTrue();
        assertThat(send(Otel.grpcExporter(exp, null)).ok()).isTrue();

        post(EXP + "delete", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        Sent http = send(Otel.httpExporter(exp, null));
        Sent grpc = send(Otel.grpcExporter(exp, "gzip"));
        assertThat(http.ok()).as("OTLP/HTTP into a deleted experiment").isFalse();
        assertThat(grpc.ok()).as("OTLP/gRPC into a deleted experiment").isFalse();
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = ANY($1)",
                (Object) new String[] {http.traceId(), grpc.traceId()})).isZero();
        // The answer OTLP/HTTP exporters get: 404 with a google.rpc.Status naming the reason.
        given().contentType("application/x-protobuf").header("x-mlflow-experiment-id", exp)
                .body(io.tracebridge.support.Requests.protobuf(io.tracebridge.support.Requests.randomTraceHex()))
                .post("/v1/traces").then().statusCode(404);
        given().contentType("application/json").header("x-mlflow-experiment-id", exp).body("{\"resourceSpans\": []}")
                .post("/v1/traces").then().statusCode(404).body("code", equalTo(5))
                .body("message", equalTo("Experiment with ID '" + exp + "' is deleted; traces cannot be added to it"));

        post(EXP + "restore", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        Sent httpAgain = send(Otel.httpExporter(exp, null));
        Sent grpcAgain = send(Otel.grpcExporter(exp, null));
        assertThat(httpAgain.ok()).as("OTLP/HTTP into the restored experiment").isTrue();
        assertThat(grpcAgain.ok()).as("OTLP/gRPC into the restored experiment").isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = ANY($1) AND experiment_id = $2",
                (Object) new String[] {httpAgain.traceId(), grpcAgain.traceId()}, Long.parseLong(exp))).isEqualTo(2);
    }

    @Test
    void startTraceV3IntoADeletedExperimentIsRefusedAsMlflowDoes() {
        String exp = Experiments.create("start-deleted");
        post(EXP + "delete", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        String traceId = "tr-" + io.tracebridge.support.Requests.randomTraceHex();
        String body = """
                {"trace": {"trace_info": {"trace_id": "%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_time": "2025-06-04T00:17:06.901Z", "execution_duration": "0.5s", "state": "OK"}}}
                """.formatted(traceId, exp);
        post("/api/3.0/mlflow/traces", body).statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", equalTo("The experiment " + exp + " must be in the 'active' state. Current state is deleted."));
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", traceId)).isZero();
        post(EXP + "restore", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        post("/api/3.0/mlflow/traces", body).statusCode(200).body("trace.trace_info.trace_id", equalTo(traceId));
    }

    @Test
    void tracesOfADeletedExperimentLeaveSearchAndComeBackOnRestore() {
        String exp = Experiments.create("search-deleted");
        String kept = Experiments.create("search-kept");
        String request = "req-" + UUID.randomUUID();
        String session = "session-" + UUID.randomUUID();
        String trace = Traces.turn(exp, new Traces.Turn("chat", "user-del", session, request,
                System.currentTimeMillis() - 60_000, "hi", "hello", Map.of("app_version", "1.0"), false));
        String other = Traces.send(kept, "kept", null);
        String feedback = "{\"assessment\": {\"assessment_name\": \"rating\", \"trace_id\": \"" + trace
                + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"u\"}, \"feedback\": {\"value\": true}}}";
        post("/api/3.0/mlflow/traces/" + trace + "/assessments", feedback).statusCode(200);
        assertThat(searchIn(exp)).containsExactly(trace);

        post(EXP + "delete", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        assertThat(searchIn(exp)).as("one deleted location").isEmpty();
        assertThat(searchIn(exp, kept)).as("a deleted and an active location").containsExactly(other);
        assertThat(searchFiltered(exp, "attributes.client_request_id = '" + request + "'")).isEmpty();
        String analytics = "/api/tracebridge/v1/analytics/";
        given().queryParam("experiment_id", exp).get(analytics + "sessions").then().statusCode(200).body("sessions", empty());
        given().queryParam("experiment_id", exp).get(analytics + "sessions/" + session).then().statusCode(200)
                .body("traces", empty());
        given().queryParam("experiment_id", exp).get(analytics + "users").then().statusCode(200).body("users", empty());
        given().queryParam("experiment_id", exp).get(analytics + "feedback").then().statusCode(200).body("feedback", empty());
        given().queryParam("experiment_id", exp).queryParam("interval", "hour").get(analytics + "feedback/timeline").then()
                .statusCode(200).body("points", empty());
        // Feedback by client request ID does not find it: kept pending, in that experiment or in all.
        postFeedback(request, exp).statusCode(202).body("pending_feedback.status", equalTo("PENDING"));
        postFeedback(request, null).statusCode(202);

        // MLflow's get_trace_info, set_trace_tag and create_assessment do not look at the
        // experiment's stage: the trace stays readable and writable by its ID.
        given().get("/api/3.0/mlflow/traces/" + trace).then().statusCode(200)
                .body("trace.trace_info.trace_id", equalTo(trace));
        given().queryParam("trace_id", trace).get("/api/3.0/mlflow/traces/get").then().statusCode(200)
                .body("trace.spans", hasSize(3));
        given().queryParam("trace_ids", trace).get("/api/3.0/mlflow/traces/batchGet").then().statusCode(200)
                .body("traces", hasSize(1));
        given().contentType("application/json").body("{\"key\": \"reviewed\", \"value\": \"yes\"}")
                .patch("/api/2.0/mlflow/traces/" + trace + "/tags").then().statusCode(200);
        post("/api/3.0/mlflow/traces/" + trace + "/assessments", feedback).statusCode(200);

        post(EXP + "restore", "{\"experiment_id\": \"" + exp + "\"}").statusCode(200);
        assertThat(searchIn(exp)).containsExactly(trace);
        assertThat(searchIn(exp, kept)).containsExactlyInAnyOrder(trace, other);
        assertThat(searchFiltered(exp, "tags.reviewed = 'yes'")).containsExactly(trace);
        given().queryParam("experiment_id", exp).get(analytics + "sessions").then().statusCode(200)
                .body("sessions.session_id", equalTo(List.of(session)));
        given().queryParam("experiment_id", exp).get(analytics + "feedback").then().statusCode(200)
                .body("feedback", not(empty()));
        postFeedback(request, exp).statusCode(201).body("assessment.trace_id", equalTo(trace));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static List<String> sorted(List<String> ids) {
        return ids.stream().sorted().toList();
    }

    private static String create(String name) {
        return post(EXP + "create", "{\"name\": \"" + name + "\"}").statusCode(200).extract().path("experiment_id");
    }

    private static ValidatableResponse experiment(String id) {
        return given().queryParam("experiment_id", id).get(EXP + "get").then().statusCode(200);
    }

    private static ValidatableResponse post(String path, String body) {
        return given().contentType("application/json").body(body).post(path).then();
    }

    private static ValidatableResponse post(String path, String body, int status) {
        return post(path, body).statusCode(status);
    }

    private static ValidatableResponse postFeedback(String clientRequestId, String experimentId) {
        var r = given().contentType("application/json").queryParam("client_request_id", clientRequestId);
        if (experimentId != null) {
            r.queryParam("experiment_id", experimentId);
        }
        return r.body("{\"name\": \"by_request\", \"value\": true}").post("/api/tracebridge/v1/feedback").then();
    }

    private static List<String> searchFiltered(String experimentId, String filter) {
        return search(List.of(experimentId), filter);
    }

    private static List<String> searchIn(String... experimentIds) {
        return search(List.of(experimentIds), "");
    }

    private static List<String> search(List<String> experimentIds, String filter) {
        StringBuilder locations = new StringBuilder();
        for (String id : experimentIds) {
            locations.append(locations.length() == 0 ? "" : ", ")
                    .append("{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"").append(id).append("\"}}");
        }
        return post("/api/3.0/mlflow/traces/search", "{\"locations\": [" + locations + "], \"filter\": \""
                + filter + "\", \"max_results\": 100}").statusCode(200).extract().jsonPath().getList("traces.trace_id");
    }

    private record Sent(String traceId, boolean ok) {
    }

    /** One trace of a root and a child, sent with the real OTel SDK exporter. */
    private static Sent send(SpanExporter exporter) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("lifecycle").startSpan();
        try (io.opentelemetry.context.Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder("child").startSpan().end();
        }
        root.end();
        List<SpanData> spans = rec.spans();
        boolean ok = Otel.send(exporter, spans);
        exporter.shutdown();
        return new Sent("tr-" + root.getSpanContext().getTraceId(), ok);
    }
}

package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.Requests;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

/** Trace tags, deletion, and the MLflow SDK's export path (StartTraceV3 and traces.json). */
@QuarkusTest
class TraceWriteApiTest {

    @Inject
    Pool pool;

    /** MlflowClient.set_trace_tag / delete_trace_tag as the client sends them. */
    @Test
    void setAndDeleteTraceTags() {
        String traceId = Traces.send(Experiments.create("tags"), "chat", null);
        given().contentType("application/json").body("{\"key\": \"reviewed\", \"value\": \"yes\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(200).body(equalTo("{}"));
        given().contentType("application/json").body("{\"key\": \"mlflow.traceName\", \"value\": \"renamed\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/" + traceId).then()
                .body("trace.trace_info.tags.reviewed", equalTo("yes"))
                .body("trace.trace_info.tags.'mlflow.traceName'", equalTo("renamed"));
        given().contentType("application/json").body("{\"key\": \"reviewed\"}")
                .delete("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/" + traceId).then().body("trace.trace_info.tags.reviewed", nullValue());
        given().delete("/api/2.0/mlflow/traces/" + traceId + "/tags?key=reviewed").then().statusCode(404)
                .body("message", equalTo("No trace tag with key 'reviewed' for trace with ID '" + traceId + "'"));
        given().contentType("application/json").body("{\"key\": \"x\", \"value\": \"y\"}")
                .patch("/api/2.0/mlflow/traces/tr-00000000000000000000000000000003/tags").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        given().contentType("application/json").body("{\"value\": \"y\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(400);
        given().contentType("application/json").body("{\"key\": \"mlflow.trace.spansLocation\", \"value\": \"x\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(400);
        given().contentType("application/json").body("{\"key\": \"big\", \"value\": \"" + "v".repeat(8001) + "\"}")
                .patch("/api/2.0/mlflow/traces/" + traceId + "/tags").then().statusCode(400)
                .body("message", containsString("at most 8000"));
    }

    @Test
    void deleteTracesByIdAndByTime() {
        String exp = Experiments.create("delete");
        String a = Traces.send(exp, "a", null);
        String b = Traces.send(exp, "b", null);
        String c = Traces.send(exp, "c", null);
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "x", "source": {"source_type": "HUMAN"}, "feedback": {"value": 1}}}""")
                .post("/api/3.0/mlflow/traces/" + a + "/assessments").then().statusCode(200);
        given().contentType("application/json")
                .body("{\"experiment_id\": \"" + exp + "\", \"request_ids\": [\"" + a + "\", \"tr-00000000000000000000000000000009\"]}")
                .post("/api/2.0/mlflow/traces/delete-traces").then().statusCode(200).body("traces_deleted", equalTo(1));
        for (String table : new String[] {"traces", "spans", "trace_tags", "assessments"}) {
            assertThat(Db.count(pool, "SELECT count(*) FROM " + table + " WHERE trace_id = $1", a)).as(table).isZero();
        }
        given().contentType("application/json")
                .body("{\"experiment_id\": \"" + exp + "\", \"max_timestamp_millis\": " + System.currentTimeMillis()
                        + ", \"max_traces\": 1}")
                .post("/api/2.0/mlflow/traces/delete-traces").then().statusCode(200).body("traces_deleted", equalTo(1));
        // The oldest (b) went first.
        given().get("/api/3.0/mlflow/traces/" + b).then().statusCode(404);
        given().get("/api/3.0/mlflow/traces/" + c).then().statusCode(200);
        given().contentType("application/json").body("{\"experiment_id\": \"" + exp + "\"}")
                .post("/api/2.0/mlflow/traces/delete-traces").then().statusCode(400);
    }

    /**
     * The MLflow SDK path: spans over OTLP, then StartTraceV3 with the authoritative info
     * (client request ID, previews, metadata, tags), which later OTLP batches do not override.
     */
    @Test
    void startTraceV3AfterSpans() {
        String exp = Experiments.create("sdk");
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("predict").startSpan();
        root.setAttribute("mlflow.spanInputs", "{\"q\": \"from span\"}");
        try (Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder("llm").startSpan().end();
        }
        root.end();
        assertThat(Otel.send(Otel.httpExporter(exp, null), rec.spans())).isTrue();
        String traceId = "tr-" + root.getSpanContext().getTraceId();
        String requestId = "req-" + UUID.randomUUID();
        given().contentType("application/json").body("""
                {"trace": {"trace_info": {"trace_id": "%s", "client_request_id": "%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_preview": "{\\"q\\": \\"sdk preview\\"}", "response_preview": "\\"answer\\"",
                  "request_time": "2025-06-04T00:17:06.901Z", "execution_duration": "1.840s", "state": "OK",
                  "trace_metadata": {"mlflow.trace_schema.version": "3", "mlflow.trace.user": "sdk-user",
                                     "mlflow.trace.session": "sdk-session", "app_version": "2.0"},
                  "tags": {"mlflow.traceName": "predict", "team": "search", "mlflow.artifactLocation": "evil"}},
                 "spans": []}}
                """.formatted(traceId, requestId, exp))
                .post("/api/3.0/mlflow/traces").then().statusCode(200)
                .body("trace.trace_info.trace_id", equalTo(traceId))
                .body("trace.trace_info.client_request_id", equalTo(requestId))
                .body("trace.trace_info.request_preview", equalTo("{\"q\": \"sdk preview\"}"))
                .body("trace.trace_info.request_time", equalTo("2025-06-04T00:17:06.901Z"))
                .body("trace.trace_info.execution_duration", equalTo("1.840s"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.user'", equalTo("sdk-user"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("sdk-session"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.infoFinalized'", equalTo("true"))
                .body("trace.trace_info.trace_metadata.app_version", equalTo("2.0"))
                .body("trace.trace_info.tags.team", equalTo("search"))
                .body("trace.trace_info.tags.'mlflow.trace.spansLocation'", equalTo("TRACKING_STORE"))
                .body("trace.trace_info.tags.'mlflow.artifactLocation'",
                        equalTo("mlflow-artifacts:/" + exp + "/traces/" + traceId + "/artifacts"));
        // A late OTLP batch adds spans but does not move the finalized times.
        Span late = tracer.spanBuilder("late").setParent(io.opentelemetry.context.Context.root().with(root)).startSpan();
        late.end();
        assertThat(Otel.send(Otel.httpExporter(exp, null), java.util.List.of(rec.spans().get(rec.spans().size() - 1))))
                .isTrue();
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .body("trace.spans", hasSize(3))
                .body("trace.trace_info.request_time", equalTo("2025-06-04T00:17:06.901Z"))
                .body("trace.trace_info.execution_duration", equalTo("1.840s"));
        // The artifact upload that follows is accepted and discarded (the spans are already stored).
        given().contentType("application/json").body("{\"spans\": []}")
                .put("/api/2.0/mlflow-artifacts/artifacts/" + exp + "/traces/" + traceId + "/artifacts/traces.json")
                .then().statusCode(200);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", traceId)).isEqualTo(3);
    }

    /** Without OTLP (older SDK), StartTraceV3 and traces.json carry the whole trace. */
    @Test
    void startTraceV3WithTracesJsonOnly() {
        String exp = Experiments.create("artifact");
        String hex = Requests.randomTraceHex();
        String traceId = "tr-" + hex;
        given().contentType("application/json").body("""
                {"trace": {"trace_info": {"trace_id": "%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_time": "2025-06-04T00:17:06.901Z", "execution_duration": "0.5s", "state": "ERROR"}}}
                """.formatted(traceId, exp)).post("/api/3.0/mlflow/traces").then().statusCode(200)
                .body("trace.trace_info.state", equalTo("ERROR"));
        given().contentType("application/json").body("""
                {"spans": [
                  {"trace_id": "%s", "span_id": "00000000000000a1", "parent_span_id": null, "name": "root",
                   "start_time_unix_nano": 1749000000000000000, "end_time_unix_nano": 1749000000500000000,
                   "status": {"code": "ERROR", "message": "boom"},
                   "attributes": {"mlflow.spanType": "\\"CHAIN\\"", "mlflow.spanInputs": "{\\"q\\": 1}"},
                   "events": [{"name": "exception", "time_unix_nano": 1749000000400000000,
                               "attributes": {"exception.message": "boom"}}]},
                  {"trace_id": "%s", "span_id": "AAAAAAAAAKI=", "parent_span_id": "00000000000000a1", "name": "child",
                   "start_time_unix_nano": 1749000000100000000, "end_time_unix_nano": 1749000000200000000,
                   "status": {"code": "OK"}, "attributes": {}}]}
                """.formatted(traceId, traceId))
                .put("/api/2.0/mlflow-artifacts/artifacts/" + exp + "/traces/" + traceId + "/artifacts/traces.json")
                .then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .body("trace.spans", hasSize(2))
                .body("trace.spans[0].name", equalTo("root"))
                .body("trace.spans[0].events[0].name", equalTo("exception"))
                .body("trace.spans[1].parent_span_id", equalTo("AAAAAAAAAKE="))
                .body("trace.trace_info.state", equalTo("ERROR"));
        given().contentType("application/octet-stream").body(new byte[] {1, 2})
                .put("/api/2.0/mlflow-artifacts/artifacts/" + exp + "/model/weights.bin").then().statusCode(501);
    }

    @Test
    void startTraceV3Validation() {
        given().contentType("application/json").body("{\"trace\": {\"trace_info\": {\"trace_id\": \"bad\"}}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(400).body("message", containsString("Invalid trace_id"));
        given().contentType("application/json").body("""
                {"trace": {"trace_info": {"trace_id": "tr-%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "99999999"}}}}}
                """.formatted(Requests.randomTraceHex())).post("/api/3.0/mlflow/traces").then().statusCode(404);
        // Values too long for storage are a client error, never a 500.
        String exp = Experiments.create("too-long");
        String body = "{\"trace\": {\"trace_info\": {\"trace_id\": \"tr-" + Requests.randomTraceHex()
                + "\", \"trace_metadata\": {\"mlflow.trace.session\": \"" + "s".repeat(300) + "\"}, "
                + "\"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": "
                + "{\"experiment_id\": \"" + exp + "\"}}}}}";
        given().contentType("application/json").body(body).post("/api/3.0/mlflow/traces").then()
                .statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }
}

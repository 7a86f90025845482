package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** OTLP/HTTP ingest end to end: the real OTel SDK exporter sends, the MLflow REST API reads back. */
@QuarkusTest
class OtlpHttpIngestTest {

    @Inject
    Pool pool;

    /** The user guide's request: IDs and environment metadata on the root span, a child LLM span. */
    @Test
    void seedLikeRequestIsStoredWithEveryField() {
        String exp = Experiments.create("seed");
        OtlpHttpSpanExporter exporter = Otel.httpExporter(exp, null);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), "chatbot",
                        AttributeKey.stringKey("telemetry.sdk.language"), "java")))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        Tracer tracer = Otel.tracer(provider);

        Span root = tracer.spanBuilder("POST /chat").setSpanKind(SpanKind.SERVER).startSpan();
        root.setAttribute("mlflow.trace.session", "session-123");
        root.setAttribute("mlflow.trace.user", "user-jane-doe-12345");
        root.setAttribute("mlflow.trace.client_request_id", "req-abc-123-xyz-789");
        root.setAttribute("mlflow.source.type", "production");
        root.setAttribute("mlflow.traceMetadata.environment", "production");
        root.setAttribute("mlflow.traceMetadata.app_version", "1.4.2");
        root.setAttribute("mlflow.traceMetadata.deployment_id", "deploy-42");
        root.setAttribute("mlflow.traceMetadata.region", "us-east-1");
        root.setAttribute("mlflow.traceTag.feature", "chat");
        root.setAttribute("mlflow.spanInputs", "{\"message\": \"How do I reset my password?\"}");
        root.setAttribute("mlflow.spanOutputs", "{\"response\": \"Use the reset link.\"}");
        try (Scope ignored = root.makeCurrent()) {
            Span llm = tracer.spanBuilder("chat gpt-4o").startSpan();
            llm.setAttribute("mlflow.spanType", "\"LLM\"");
            llm.setAttribute("gen_ai.request.model", "gpt-4o");
            llm.end();
        }
        root.setStatus(StatusCode.OK);
        root.end();
        assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        provider.shutdown();

        String traceId = "tr-" + root.getSpanContext().getTraceId();
        JsonPath info = given().get("/api/3.0/mlflow/traces/" + traceId)
                .then().statusCode(200).extract().jsonPath().setRootPath("trace.trace_info");
        assertThat(info.getString("trace_id")).isEqualTo(traceId);
        assertThat(info.getString("client_request_id")).isEqualTo("req-abc-123-xyz-789");
        assertThat(info.getString("trace_location.type")).isEqualTo("MLFLOW_EXPERIMENT");
        assertThat(info.getString("trace_location.mlflow_experiment.experiment_id")).isEqualTo(exp);
        assertThat(info.getString("state")).isEqualTo("OK");
        assertThat(info.getString("request_preview")).isEqualTo("{\"message\": \"How do I reset my password?\"}");
        assertThat(info.getString("response_preview")).isEqualTo("{\"response\": \"Use the reset link.\"}");
        assertThat(Instant.parse(info.getString("request_time"))).isBefore(Instant.now().plusSeconds(1));
        assertThat(info.getString("execution_duration")).matches("\\d+(\\.\\d{3})?s");
        Map<String, String> metadata = info.getMap("trace_metadata");
        assertThat(metadata)
                .containsEntry("mlflow.trace.session", "session-123")
                .containsEntry("mlflow.trace.user", "user-jane-doe-12345")
                .containsEntry("mlflow.source.type", "production")
                .containsEntry("environment", "production")
                .containsEntry("app_version", "1.4.2")
                .containsEntry("deployment_id", "deploy-42")
                .containsEntry("region", "us-east-1");
        Map<String, String> tags = info.getMap("tags");
        assertThat(tags)
                .containsEntry("feature", "chat")
                .containsEntry("service.name", "chatbot")
                .containsEntry("mlflow.traceName", "POST /chat")
                .containsEntry("mlflow.trace.spansLocation", "TRACKING_STORE")
                .containsEntry("mlflow.artifactLocation", "mlflow-artifacts:/" + exp + "/traces/" + traceId + "/artifacts")
                .doesNotContainKey("telemetry.sdk.language");

        JsonPath full = given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId)
                .then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> spans = full.getList("trace.spans");
        assertThat(spans).hasSize(2);
        Map<String, Object> rootJson = spans.get(0);
        assertThat(rootJson.get("name")).isEqualTo("POST /chat");
        assertThat(rootJson.get("kind")).isEqualTo("SPAN_KIND_SERVER");
        assertThat(rootJson.get("trace_id")).isEqualTo(
                Base64.getEncoder().encodeToString(HexFormat.of().parseHex(root.getSpanContext().getTraceId())));
        assertThat(rootJson).doesNotContainKey("parent_span_id");
        assertThat(full.getString("trace.spans[0].status.code")).isEqualTo("STATUS_CODE_OK");
        assertThat(full.getString("trace.spans[1].name")).isEqualTo("chat gpt-4o");
        assertThat(full.getString("trace.spans[1].parent_span_id")).isEqualTo(rootJson.get("span_id"));
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1 AND span_type = 'LLM'", traceId))
                .isEqualTo(1);
    }

    /** OTLP/JSON carries hex IDs; the stored trace must have exactly those IDs. */
    @Test
    void otlpJsonWithKnownHexIds() {
        String traceHex = "5b8efff798038103d269b633813fc60c";
        String json = """
                {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-app"}}]},
                 "scopeSpans":[{"scope":{"name":"manual"},"spans":[
                  {"traceId":"%s","spanId":"eee19b7ec3c1b174","name":"root","kind":2,
                   "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000002000000000",
                   "status":{"code":2,"message":"boom"},
                   "attributes":[{"key":"session.id","value":{"stringValue":"s-json"}},
                                 {"key":"count","value":{"intValue":"7"}}]},
                  {"traceId":"%s","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174","name":"child",
                   "startTimeUnixNano":"1700000000500000000","endTimeUnixNano":"1700000001000000000"}]}]}]}
                """.formatted(traceHex, traceHex);
        String exp = Experiments.create("json");
        given().contentType("application/json").header("x-mlflow-experiment-id", exp).body(json)
                .post("/v1/traces").then().statusCode(200).contentType(containsString("application/json"))
                .body(equalTo("{}"));

        String traceId = "tr-" + traceHex;
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .body("trace.trace_info.state", equalTo("ERROR"))
                .body("trace.trace_info.request_time", equalTo("2023-11-14T22:13:20.000Z"))
                .body("trace.trace_info.execution_duration", equalTo("2s"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("s-json"))
                .body("trace.trace_info.tags.'service.name'", equalTo("json-app"))
                .body("trace.spans", hasSize(2))
                .body("trace.spans[0].span_id", equalTo(b64("eee19b7ec3c1b174")))
                .body("trace.spans[0].trace_id", equalTo(b64(traceHex)))
                .body("trace.spans[0].status.message", equalTo("boom"))
                .body("trace.spans[1].parent_span_id", equalTo(b64("eee19b7ec3c1b174")));
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1 AND span_id = 'eee19b7ec3c1b175'",
                traceId)).isEqualTo(1);
    }

    @Test
    void gzipFromTheSdkExporter() {
        String exp = Experiments.create("gzip");
        RecordingExporter rec = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(rec, Attributes.empty());
        Span root = Otel.tracer(provider).spanBuilder("gzipped").startSpan();
        root.setAttribute("user.id", "u-gzip");
        root.end();
        assertThat(Otel.send(Otel.httpExporter(exp, "gzip"), rec.spans())).isTrue();
        given().get("/api/3.0/mlflow/traces/tr-" + root.getSpanContext().getTraceId()).then().statusCode(200)
                .body("trace.trace_info.trace_metadata.'mlflow.trace.user'", equalTo("u-gzip"));
    }

    /** Children first, root last, shuffled, in three requests; then the first request again. */
    @Test
    void traceSplitAcrossShuffledBatchesAndResent() {
        String exp = Experiments.create("batches");
        RecordingExporter rec = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(rec, Attributes.of(AttributeKey.stringKey("service.name"), "svc"));
        Tracer tracer = Otel.tracer(provider);
        Span root = tracer.spanBuilder("agent").startSpan();
        root.setAttribute("mlflow.trace.session", "root-session");
        root.setAttribute("mlflow.spanInputs", "\"question\"");
        try (Scope ignored = root.makeCurrent()) {
            for (int i = 0; i < 8; i++) {
                Span child = tracer.spanBuilder("step-" + i).startSpan();
                if (i == 3) {
                    child.setAttribute("session.id", "child-session");
                    child.setAttribute("user.id", "child-user");
                }
                child.end();
            }
        }
        root.setStatus(StatusCode.ERROR, "failed");
        root.end();
        List<SpanData> all = rec.spans();
        SpanData rootData = all.get(all.size() - 1);
        assertThat(rootData.getName()).isEqualTo("agent");
        List<SpanData> children = new ArrayList<>(all.subList(0, all.size() - 1));
        Collections.shuffle(children, new Random(7));
        List<SpanData> b1 = children.subList(0, 4);
        List<SpanData> b2 = new ArrayList<>(children.subList(4, 8));
        OtlpHttpSpanExporter exporter = Otel.httpExporter(exp, null);
        String traceId = "tr-" + rootData.getTraceId();

        assertThat(Otel.send(exporter, b2)).isTrue();
        given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200)
                .body("trace.trace_info.state", equalTo("IN_PROGRESS"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("child-session"));
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId + "&allow_partial=True").then().statusCode(200)
                .body("trace.spans", hasSize(4));
        assertThat(Otel.send(exporter, b1)).isTrue();
        assertThat(Otel.send(exporter, List.of(rootData))).isTrue();
        String before = given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .extract().asString();
        JsonPath info = JsonPath.from(before).setRootPath("trace.trace_info");
        assertThat(info.getString("state")).isEqualTo("ERROR");
        // The root span's session beats a child's, even though the child's arrived first.
        assertThat(info.getString("trace_metadata.'mlflow.trace.session'")).isEqualTo("root-session");
        assertThat(info.getString("trace_metadata.'mlflow.trace.user'")).isEqualTo("child-user");
        assertThat(info.getString("request_preview")).isEqualTo("\"question\"");
        assertThat(info.getString("tags.'mlflow.traceName'")).isEqualTo("agent");
        long startMs = rootData.getStartEpochNanos() / 1_000_000;
        assertThat(Instant.parse(info.getString("request_time")).toEpochMilli()).isEqualTo(startMs);
        assertThat(JsonPath.from(before).getList("trace.spans")).hasSize(9);

        assertThat(Otel.send(exporter, b2)).isTrue();
        assertThat(Otel.send(exporter, List.of(rootData))).isTrue();
        String after = given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .extract().asString();
        assertThat(after).isEqualTo(before);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", traceId)).isEqualTo(9);
    }

    @Test
    void incompleteTraceIsNotFoundWithoutAllowPartial() {
        String exp = Experiments.create("partial");
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("root").startSpan();
        try (Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder("child").startSpan().end();
        }
        assertThat(Otel.send(Otel.httpExporter(exp, null), rec.spans())).isTrue();
        String traceId = "tr-" + root.getSpanContext().getTraceId();
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", containsString("not fully exported"));
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId + "&allow_partial=true").then().statusCode(200)
                .body("trace.spans", hasSize(1));
    }

    @Test
    void defaultExperimentWithoutHeader() {
        RecordingExporter rec = new RecordingExporter();
        Span s = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty())).spanBuilder("no-header").startSpan();
        s.end();
        assertThat(Otel.send(Otel.httpExporter(null, null), rec.spans())).isTrue();
        given().get("/api/3.0/mlflow/traces/tr-" + s.getSpanContext().getTraceId()).then().statusCode(200)
                .body("trace.trace_info.trace_location.mlflow_experiment.experiment_id", equalTo("0"));
    }

    @Test
    void unknownExperimentIsRefusedAndNothingIsStored() {
        RecordingExporter rec = new RecordingExporter();
        Span s = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty())).spanBuilder("lost").startSpan();
        s.end();
        assertThat(Otel.send(Otel.httpExporter("987654321", null), rec.spans())).isFalse();
        String traceId = "tr-" + s.getSpanContext().getTraceId();
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", traceId)).isZero();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", traceId)).isZero();

        byte[] body = io.tracebridge.support.Requests.protobuf("5b8efff798038103d269b633813fc6ff");
        given().contentType("application/x-protobuf").header("x-mlflow-experiment-id", "987654321").body(body)
                .post("/v1/traces").then().statusCode(404).contentType("application/x-protobuf");
        given().contentType("application/json").header("x-mlflow-experiment-id", "987654321").body("{}")
                .post("/v1/traces").then().statusCode(404)
                .body("code", equalTo(5))
                .body("message", containsString("Experiment with ID '987654321' does not exist"));
        given().contentType("application/json").header("x-mlflow-experiment-id", "abc").body("{}")
                .post("/v1/traces").then().statusCode(400)
                .body("message", containsString("experiment IDs are integers"));
    }

    private static String b64(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
}

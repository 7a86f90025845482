package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Apps whose HTTP framework instrumentation (FastAPI, Flask, Spring, Express…) makes its own
 * root span: the framework's bare SERVER span is the root, and the app's span that carries the
 * MLflow attributes is its child. Trace-level metadata, tags and previews come from any span
 * (the root's win, then the span nearest the root), and merge the same whatever order and
 * batching the spans arrive in. Sent with the real OTel SDK exporters.
 */
@QuarkusTest
class AutoInstrumentedAppTest {

    /** Spans of one request as such an app makes them; {@code rootSays} adds values on the root. */
    private static List<SpanData> request(boolean rootSays) {
        RecordingExporter recorder = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(recorder,
                Attributes.of(AttributeKey.stringKey("service.name"), "chatbot"));
        Tracer tracer = Otel.tracer(provider);
        Span root = tracer.spanBuilder("POST /chat").setSpanKind(SpanKind.SERVER).startSpan();
        root.setAttribute("http.request.method", "POST");
        root.setAttribute("url.path", "/chat");
        if (rootSays) {
            root.setAttribute("mlflow.traceMetadata.app_version", "from-root");
            root.setAttribute("mlflow.spanInputs", "{\"root\": true}");
        }
        try (Scope ignored = root.makeCurrent()) {
            Span receive = tracer.spanBuilder("POST /chat http receive").startSpan();
            receive.end();
            Span app = tracer.spanBuilder("chat_handler").startSpan();
            app.setAttribute("mlflow.trace.session", "session-123");
            app.setAttribute("mlflow.trace.user", "user-jane");
            app.setAttribute("mlflow.trace.client_request_id", "req-auto-1");
            app.setAttribute("mlflow.source.type", "PRODUCTION");
            app.setAttribute("mlflow.traceMetadata.environment", "production");
            app.setAttribute("mlflow.traceMetadata.app_version", "1.4.2");
            app.setAttribute("mlflow.traceMetadata.deployment_id", "deploy-42");
            app.setAttribute("mlflow.traceMetadata.region", "us-east-1");
            app.setAttribute("mlflow.traceTag.feature", "chat");
            app.setAttribute("mlflow.traceTag.service.name", "chat-app");
            app.setAttribute("mlflow.spanInputs", "{\"message\": \"How do I reset my password?\"}");
            app.setAttribute("mlflow.spanOutputs", "{\"response\": \"Use the reset link.\"}");
            try (Scope inApp = app.makeCurrent()) {
                // Deeper spans that say other things: the span nearer the root wins.
                Span llm = tracer.spanBuilder("chat gpt-4o").startSpan();
                llm.setAttribute("mlflow.spanType", "\"LLM\"");
                llm.setAttribute("mlflow.traceMetadata.environment", "from-llm");
                llm.setAttribute("mlflow.traceTag.feature", "from-llm");
                llm.setAttribute("mlflow.traceMetadata.model", "gpt-4o");
                llm.setAttribute("mlflow.spanInputs", "{\"messages\": \"llm\"}");
                llm.setAttribute("mlflow.spanOutputs", "{\"choices\": \"llm\"}");
                llm.end();
            }
            app.end();
            Span send = tracer.spanBuilder("POST /chat http send").startSpan();
            send.setAttribute("mlflow.traceMetadata.region", "from-a-later-sibling");
            send.end();
        }
        root.end();
        provider.shutdown();
        List<SpanData> spans = recorder.spans();
        assertThat(spans).hasSize(5);
        return spans;
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    private static JsonPath info(List<SpanData> spans) {
        String traceId = "tr-" + spans.get(0).getTraceId();
        return given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200).extract().jsonPath()
                .setRootPath("trace.trace_info");
    }

    /** What the trace shows, without the fields that differ per trace. */
    private static Map<String, Object> view(JsonPath info) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("client_request_id", info.getString("client_request_id"));
        v.put("request_preview", info.getString("request_preview"));
        v.put("response_preview", info.getString("response_preview"));
        Map<String, String> metadata = new LinkedHashMap<>(info.getMap("trace_metadata"));
        metadata.remove("mlflow.trace.sizeBytes");
        v.put("trace_metadata", new java.util.TreeMap<>(metadata));
        Map<String, String> tags = new java.util.TreeMap<>(info.getMap("tags"));
        tags.remove("mlflow.artifactLocation");
        v.put("tags", tags);
        return v;
    }

    @Test
    void metadataTagsAndPreviewsComeFromTheAppSpanUnderABareServerRoot() {
        String exp = Experiments.create("auto-instrumented");
        OtlpHttpSpanExporter http = Otel.httpExporter(exp, null);
        OtlpGrpcSpanExporter grpc = Otel.grpcExporter(exp, null);

        List<SpanData> oneBatch = request(false);
        assertThat(Otel.send(http, oneBatch)).isTrue();

        List<SpanData> childrenFirst = request(false);
        SpanData root1 = named(childrenFirst, "POST /chat");
        assertThat(Otel.send(grpc, childrenFirst.stream().filter(s -> s != root1).toList())).isTrue();
        assertThat(Otel.send(http, List.of(root1))).isTrue();

        List<SpanData> rootFirst = request(false);
        SpanData root2 = named(rootFirst, "POST /chat");
        SpanData llm2 = named(rootFirst, "chat gpt-4o");
        assertThat(Otel.send(http, List.of(root2, llm2))).isTrue();
        assertThat(Otel.send(grpc, rootFirst.stream().filter(s -> s != root2 && s != llm2).toList())).isTrue();

        Map<String, Object> expected = view(info(oneBatch));
        assertThat(expected.get("client_request_id")).isEqualTo("req-auto-1");
        assertThat(expected.get("request_preview")).isEqualTo("{\"message\": \"How do I reset my password?\"}");
        assertThat(expected.get("response_preview")).isEqualTo("{\"response\": \"Use the reset link.\"}");
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) expected.get("trace_metadata");
        assertThat(metadata)
                .containsEntry("mlflow.trace.session", "session-123")
                .containsEntry("mlflow.trace.user", "user-jane")
                .containsEntry("mlflow.source.type", "PRODUCTION")
                .containsEntry("environment", "production")
                .containsEntry("app_version", "1.4.2")
                .containsEntry("deployment_id", "deploy-42")
                .containsEntry("region", "us-east-1")
                .containsEntry("model", "gpt-4o");
        @SuppressWarnings("unchecked")
        Map<String, String> tags = (Map<String, String>) expected.get("tags");
        assertThat(tags)
                .containsEntry("feature", "chat")
                .containsEntry("mlflow.traceName", "POST /chat")
                // An explicit trace tag of any span beats the resource attribute of the same name.
                .containsEntry("service.name", "chat-app");

        assertThat(view(info(childrenFirst))).as("the child with the metadata first, the bare root later")
                .isEqualTo(expected);
        assertThat(view(info(rootFirst))).as("the root (and a deeper span) first, the app span later")
                .isEqualTo(expected);

        // A retried batch changes nothing.
        assertThat(Otel.send(http, childrenFirst)).isTrue();
        assertThat(view(info(childrenFirst))).isEqualTo(expected);
        http.shutdown();
        grpc.shutdown();
    }

    @Test
    void theRootsOwnValuesWinWhicheverArrivesFirst() {
        String exp = Experiments.create("auto-instrumented-root");
        OtlpHttpSpanExporter http = Otel.httpExporter(exp, null);
        for (boolean rootFirst : new boolean[] {true, false}) {
            List<SpanData> spans = request(true);
            SpanData root = named(spans, "POST /chat");
            List<SpanData> others = spans.stream().filter(s -> s != root).toList();
            if (rootFirst) {
                assertThat(Otel.send(http, List.of(root))).isTrue();
                assertThat(Otel.send(http, others)).isTrue();
            } else {
                assertThat(Otel.send(http, others)).isTrue();
                assertThat(Otel.send(http, List.of(root))).isTrue();
            }
            JsonPath info = info(spans);
            assertThat(info.getString("trace_metadata.app_version")).as("root first: %s", rootFirst).isEqualTo("from-root");
            assertThat(info.getString("request_preview")).isEqualTo("{\"root\": true}");
            // What the root does not say still comes from the app span.
            assertThat(info.getString("response_preview")).isEqualTo("{\"response\": \"Use the reset link.\"}");
            assertThat(info.getString("trace_metadata.environment")).isEqualTo("production");
        }
        http.shutdown();
    }
}

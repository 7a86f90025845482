package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code mlflow.trace.tokenUsage} derived from the spans' token counts as MLflow's server does
 * it: summed over the spans that report counts ({@code mlflow.chat.tokenUsage}, or the GenAI
 * semantic conventions' {@code gen_ai.usage.*}), without counting a span whose ancestor already
 * reports its usage; correct whatever the batching and order, with re-sent batches, and an
 * explicit StartTraceV3 value wins. Sent with the real OTel SDK exporter.
 */
@QuarkusTest
class TokenUsageTest {
    private static final String KEY = "mlflow.trace.tokenUsage";

    private record Trace(String traceId, List<SpanData> spans) {
        SpanData named(String name) {
            return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
        }
    }

    private static String chatUsage(int in, int out) {
        return "{\"input_tokens\": " + in + ", \"output_tokens\": " + out + ", \"total_tokens\": " + (in + out) + "}";
    }

    /** An agent root, two LLM calls reporting mlflow.chat.tokenUsage and one reporting gen_ai.usage.*. */
    private static Trace agent() {
        RecordingExporter rec = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        Span root = tracer.spanBuilder("agent").startSpan();
        try (Scope ignored = root.makeCurrent()) {
            Span a = tracer.spanBuilder("llm-a").startSpan();
            a.setAttribute("mlflow.chat.tokenUsage", chatUsage(10, 5));
            a.end();
            Span tool = tracer.spanBuilder("tool").startSpan();
            tool.end();
            Span b = tracer.spanBuilder("llm-b").startSpan();
            b.setAttribute("mlflow.chat.tokenUsage", chatUsage(20, 10));
            b.end();
            Span c = tracer.spanBuilder("chat gpt-4o").startSpan();
            c.setAttribute("gen_ai.usage.input_tokens", 7L);
            c.setAttribute("gen_ai.usage.output_tokens", 3L);
            c.end();
        }
        root.end();
        provider.shutdown();
        return new Trace("tr-" + root.getSpanContext().getTraceId(), rec.spans());
    }

    private static String usage(String traceId) {
        Map<String, String> metadata = given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200)
                .extract().jsonPath().getMap("trace.trace_info.trace_metadata");
        return metadata.get(KEY);
    }

    @Test
    void sumsTheSpansCountsInOneBatch() {
        OtlpHttpSpanExporter exporter = Otel.httpExporter(Experiments.create("tokens"), null);
        Trace t = agent();
        assertThat(Otel.send(exporter, t.spans())).isTrue();
        assertThat(usage(t.traceId())).isEqualTo("{\"input_tokens\": 37, \"output_tokens\": 18, \"total_tokens\": 55}");
        exporter.shutdown();
    }

    @Test
    void countsEachSpanOnceWhateverTheBatchingAndOrderAndResends() {
        OtlpHttpSpanExporter exporter = Otel.httpExporter(Experiments.create("tokens-batches"), null);
        Random random = new Random(42);
        for (int round = 0; round < 4; round++) {
            Trace t = agent();
            List<SpanData> spans = new ArrayList<>(t.spans());
            Collections.shuffle(spans, random);
            List<List<SpanData>> batches = List.of(spans.subList(0, 2), spans.subList(2, 3), spans.subList(3, spans.size()));
            for (List<SpanData> batch : batches) {
                assertThat(Otel.send(exporter, batch)).isTrue();
            }
            // A retried batch, and the whole trace again.
            assertThat(Otel.send(exporter, batches.get(0))).isTrue();
            assertThat(Otel.send(exporter, t.spans())).isTrue();
            assertThat(usage(t.traceId())).as("round %d", round)
                    .isEqualTo("{\"input_tokens\": 37, \"output_tokens\": 18, \"total_tokens\": 55}");
        }
        exporter.shutdown();
    }

    /** A parent that reports the usage of its LLM calls is counted, its descendants' not again. */
    @Test
    void aParentThatRollsUpItsChildrenIsNotCountedTwice() {
        OtlpHttpSpanExporter exporter = Otel.httpExporter(Experiments.create("tokens-nested"), null);
        RecordingExporter rec = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        Span root = tracer.spanBuilder("app").startSpan();
        try (Scope r = root.makeCurrent()) {
            Span chain = tracer.spanBuilder("chain").startSpan();
            chain.setAttribute("mlflow.chat.tokenUsage", chatUsage(100, 50));
            try (Scope c = chain.makeCurrent()) {
                Span step = tracer.spanBuilder("step").startSpan();
                try (Scope s = step.makeCurrent()) {
                    Span llm = tracer.spanBuilder("llm").startSpan();
                    llm.setAttribute("mlflow.chat.tokenUsage", chatUsage(100, 50));
                    llm.end();
                }
                step.end();
            }
            chain.end();
            Span other = tracer.spanBuilder("other-llm").startSpan();
            other.setAttribute("mlflow.chat.tokenUsage", chatUsage(1, 2));
            other.end();
        }
        root.end();
        provider.shutdown();
        Trace t = new Trace("tr-" + root.getSpanContext().getTraceId(), rec.spans());
        String expected = "{\"input_tokens\": 101, \"output_tokens\": 52, \"total_tokens\": 153}";

        // The deepest span first, the parent that reports the roll-up next, the span between
        // them (reporting nothing) last: only then is the LLM call known to be inside the chain.
        assertThat(Otel.send(exporter, List.of(t.named("llm"), t.named("other-llm")))).isTrue();
        assertThat(usage(t.traceId())).isEqualTo("{\"input_tokens\": 101, \"output_tokens\": 52, \"total_tokens\": 153}");
        assertThat(Otel.send(exporter, List.of(t.named("chain"), t.named("app")))).isTrue();
        assertThat(Otel.send(exporter, List.of(t.named("step")))).isTrue();
        assertThat(usage(t.traceId())).isEqualTo(expected);
        exporter.shutdown();
    }

    @Test
    void anExplicitValueFromStartTraceV3Wins() {
        String exp = Experiments.create("tokens-explicit");
        OtlpHttpSpanExporter exporter = Otel.httpExporter(exp, null);
        Trace t = agent();
        String explicit = "{\"input_tokens\": 1, \"output_tokens\": 1, \"total_tokens\": 2}";
        assertThat(Otel.send(exporter, t.spans().subList(0, 2))).isTrue();
        given().contentType("application/json").body("""
                {"trace": {"trace_info": {"trace_id": "%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_time": "2025-06-04T00:17:06.901Z", "execution_duration": "0.5s", "state": "OK",
                  "trace_metadata": {"%s": %s}}}}
                """.formatted(t.traceId(), exp, KEY, "\"" + explicit.replace("\"", "\\\"") + "\""))
                .post("/api/3.0/mlflow/traces").then().statusCode(200);
        assertThat(Otel.send(exporter, t.spans())).isTrue();
        assertThat(usage(t.traceId())).isEqualTo(explicit);
        exporter.shutdown();
    }

    @Test
    void aTraceWithoutCountsHasNoTokenUsage() {
        OtlpHttpSpanExporter exporter = Otel.httpExporter(Experiments.create("tokens-none"), null);
        RecordingExporter rec = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(rec, Attributes.empty());
        Span root = Otel.tracer(provider).spanBuilder("plain").startSpan();
        root.setAttribute("mlflow.chat.tokenUsage", "not json");
        root.setAttribute("gen_ai.usage.input_tokens", -5L);
        root.end();
        provider.shutdown();
        assertThat(Otel.send(exporter, rec.spans())).isTrue();
        assertThat(usage("tr-" + root.getSpanContext().getTraceId())).isNull();
        exporter.shutdown();
    }
}

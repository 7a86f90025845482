package io.tracebridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/** Sends small traces with the real OTel SDK for tests that need a stored trace. */
public final class Traces {
    private Traces() {
    }

    /** A root span with a child; optional client request ID; returns the MLflow trace ID. */
    public static String send(String experimentId, String name, String clientRequestId) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder(name).startSpan();
        if (clientRequestId != null) {
            root.setAttribute("mlflow.trace.client_request_id", clientRequestId);
        }
        try (Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder(name + "-child").startSpan().end();
        }
        root.end();
        assertThat(Otel.send(Otel.httpExporter(experimentId, null), rec.spans())).isTrue();
        return "tr-" + root.getSpanContext().getTraceId();
    }

    /** A trace built, not sent: its MLflow trace ID and its spans. */
    public record Batch(String traceId, java.util.List<io.opentelemetry.sdk.trace.data.SpanData> spans) {
    }

    /**
     * One trace made by the real SDK: a root with {@code spans - 1} children; the root carries a
     * {@code mlflow.spanInputs} of about {@code inputChars} characters.
     */
    public static Batch build(String name, int spans, int inputChars) {
        RecordingExporter rec = new RecordingExporter();
        var provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        Span root = tracer.spanBuilder(name).startSpan();
        root.setAttribute("mlflow.spanInputs", "{\"question\": \"" + "q".repeat(inputChars) + "\"}");
        try (Scope ignored = root.makeCurrent()) {
            for (int i = 1; i < spans; i++) {
                tracer.spanBuilder("step-" + i).startSpan().end();
            }
        }
        root.end();
        provider.close();
        return new Batch("tr-" + root.getSpanContext().getTraceId(), rec.spans());
    }

    /**
     * One turn of a conversation, as an instrumented chat app would export it; {@code llm}: the
     * model and token counts its LLM span reports (GenAI conventions), null for none.
     */
    public record Turn(String name, String user, String session, String clientRequestId, long startMs,
                       String question, String answer, java.util.Map<String, String> metadata, boolean error, Llm llm) {
        public Turn(String name, String user, String session, String clientRequestId, long startMs,
                    String question, String answer, java.util.Map<String, String> metadata, boolean error) {
            this(name, user, session, clientRequestId, startMs, question, answer, metadata, error, null);
        }
    }

    /** What an LLM call reports: the model that answered and its token counts. */
    public record Llm(String model, long inputTokens, long outputTokens) {
    }

    /**
     * Sends one conversation turn with the real SDK over OTLP/HTTP: a root span carrying the
     * user, session, client request ID, metadata and chat inputs/outputs, and two children (a
     * retriever and an LLM call); returns the MLflow trace ID.
     */
    public static String turn(String experimentId, Turn t) {
        return turn(Otel.httpExporter(experimentId, null), t);
    }

    /** {@link #turn(String, Turn)} through a given exporter (another server, a token). */
    public static String turn(io.opentelemetry.sdk.trace.export.SpanExporter exporter, Turn t) {
        RecordingExporter rec = new RecordingExporter();
        var provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        var unit = java.util.concurrent.TimeUnit.MILLISECONDS;
        Span root = tracer.spanBuilder(t.name()).setStartTimestamp(t.startMs(), unit).startSpan();
        if (t.user() != null) {
            root.setAttribute("mlflow.trace.user", t.user());
        }
        if (t.session() != null) {
            root.setAttribute("mlflow.trace.session", t.session());
        }
        if (t.clientRequestId() != null) {
            root.setAttribute("mlflow.trace.client_request_id", t.clientRequestId());
        }
        t.metadata().forEach((k, v) -> root.setAttribute("mlflow.traceMetadata." + k, v));
        root.setAttribute("mlflow.spanType", "CHAIN");
        root.setAttribute("mlflow.spanInputs", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + t.question() + "\"}]}");
        root.setAttribute("mlflow.spanOutputs", "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \""
                + t.answer() + "\"}}]}");
        try (Scope ignored = root.makeCurrent()) {
            Span retrieve = tracer.spanBuilder("retrieve").setStartTimestamp(t.startMs() + 10, unit).startSpan();
            retrieve.setAttribute("mlflow.spanType", "RETRIEVER");
            retrieve.setAttribute("mlflow.spanInputs", "{\"query\": \"" + t.question() + "\"}");
            retrieve.setAttribute("mlflow.spanOutputs", "[{\"page_content\": \"doc\", \"metadata\": {\"id\": 1}}]");
            retrieve.end(t.startMs() + 120, unit);
            Span llm = tracer.spanBuilder("llm").setStartTimestamp(t.startMs() + 130, unit).startSpan();
            llm.setAttribute("mlflow.spanType", "CHAT_MODEL");
            llm.setAttribute("mlflow.spanInputs", "{\"prompt\": \"" + t.question() + "\"}");
            llm.setAttribute("mlflow.spanOutputs", "{\"text\": \"" + t.answer() + "\"}");
            if (t.llm() != null) {
                llm.setAttribute("gen_ai.response.model", t.llm().model());
                llm.setAttribute("gen_ai.usage.input_tokens", t.llm().inputTokens());
                llm.setAttribute("gen_ai.usage.output_tokens", t.llm().outputTokens());
            }
            llm.end(t.startMs() + 480, unit);
        }
        if (t.error()) {
            root.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "tool failed");
        }
        root.end(t.startMs() + 500, unit);
        provider.close();
        assertThat(Otel.send(exporter, rec.spans())).isTrue();
        return "tr-" + root.getSpanContext().getTraceId();
    }
}

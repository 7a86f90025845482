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
}

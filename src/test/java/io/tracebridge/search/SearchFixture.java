package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Four traces with known fields, sent over OTLP with the real SDK, for the filter examples of
 * docs/mlflow-compatibility.md §5.5. Times are offsets from {@link #BASE} (ms).
 *
 * <pre>
 * T1 predict      OK          +1000, 500 ms  req-abc-123-xyz-789  jane/session-123  env=production model_name=gpt-4 run abc123
 *                                            spans: LLM (model_version v2.1), "embedding-call" EMBEDDING
 * T2 inference_42 ERROR       +2000, 900 ms  req-other            bob/session-456   env=production reviewed=yes, prompt qa-system-prompt/4
 *                                            spans: a TOOL span whose output says "authentication error"
 * T3 (no root)    IN_PROGRESS +3000, 100 ms  -                    -                 -
 * T4 predict_7    OK          -5000, 200 ms  -                    jane/session-123  spans: "embedding-cache" TOOL, "vectorize" EMBEDDING
 * </pre>
 */
final class SearchFixture {
    static final long BASE = 1711089570679L;

    final String experimentId;
    final Map<String, String> ids = new LinkedHashMap<>();

    SearchFixture() {
        experimentId = Experiments.create("search");
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));

        Span t1 = root(tracer, "predict", 1000);
        t1.setAttribute("mlflow.trace.client_request_id", "req-abc-123-xyz-789");
        t1.setAttribute("mlflow.trace.user", "user-jane-doe-12345");
        t1.setAttribute("mlflow.trace.session", "session-123");
        t1.setAttribute("mlflow.traceTag.environment", "production");
        t1.setAttribute("mlflow.traceTag.model_name", "gpt-4");
        t1.setAttribute("mlflow.sourceRun", "abc123");
        child(tracer, t1, "chat", 1100, 1300, "LLM", "model_version", "\"v2.1\"");
        child(tracer, t1, "embedding-call", 1300, 1400, "EMBEDDING", "dims", "1536");
        t1.setStatus(StatusCode.OK);
        t1.end(BASE + 1500, TimeUnit.MILLISECONDS);
        ids.put("T1", t1.getSpanContext().getTraceId());

        Span t2 = root(tracer, "inference_42", 2000);
        t2.setAttribute("mlflow.trace.client_request_id", "req-other");
        t2.setAttribute("user.id", "user-bob");
        t2.setAttribute("session.id", "session-456");
        t2.setAttribute("mlflow.traceTag.environment", "production");
        t2.setAttribute("mlflow.traceTag.reviewed", "yes");
        t2.setAttribute("mlflow.traceTag.mlflow.linkedPrompts", "[{\"name\": \"qa-system-prompt\", \"version\": \"4\"}]");
        child(tracer, t2, "login", 2100, 2500, "TOOL", "mlflow.spanOutputs", "\"authentication error: token expired\"");
        t2.setStatus(StatusCode.ERROR, "failed");
        t2.end(BASE + 2900, TimeUnit.MILLISECONDS);
        ids.put("T2", t2.getSpanContext().getTraceId());

        // T3: only a child arrives; its root is never sent.
        Span t3root = root(tracer, "unsent-root", 3000);
        Span t3child = tracer.spanBuilder("orphan").setParent(Context.root().with(t3root))
                .setStartTimestamp(BASE + 3000, TimeUnit.MILLISECONDS).startSpan();
        t3child.end(BASE + 3100, TimeUnit.MILLISECONDS);
        ids.put("T3", t3root.getSpanContext().getTraceId());

        Span t4 = root(tracer, "predict_7", -5000);
        t4.setAttribute("mlflow.trace.user", "user-jane-doe-12345");
        t4.setAttribute("mlflow.trace.session", "session-123");
        child(tracer, t4, "embedding-cache", -4950, -4900, "TOOL", "hit", "true");
        child(tracer, t4, "vectorize", -4900, -4850, "EMBEDDING", "dims", "768");
        t4.end(BASE - 4800, TimeUnit.MILLISECONDS);
        ids.put("T4", t4.getSpanContext().getTraceId());

        List<io.opentelemetry.sdk.trace.data.SpanData> spans = rec.spans();
        assertThat(spans).hasSize(9);
        assertThat(Otel.send(Otel.httpExporter(experimentId, null), spans)).isTrue();
    }

    String traceId(String name) {
        return "tr-" + ids.get(name);
    }

    private static Span root(Tracer tracer, String name, long offset) {
        return tracer.spanBuilder(name).setNoParent().setStartTimestamp(BASE + offset, TimeUnit.MILLISECONDS).startSpan();
    }

    private static void child(Tracer tracer, Span parent, String name, long start, long end, String type,
                              String attr, String value) {
        Span s = tracer.spanBuilder(name).setParent(Context.root().with(parent))
                .setStartTimestamp(BASE + start, TimeUnit.MILLISECONDS).startSpan();
        s.setAttribute("mlflow.spanType", "\"" + type + "\"");
        s.setAttribute(attr, value);
        s.end(BASE + end, TimeUnit.MILLISECONDS);
    }
}

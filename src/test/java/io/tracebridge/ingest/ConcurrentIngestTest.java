package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several exporters (HTTP and gRPC) send spans of the same traces at once, each request touching every trace,
 * so the writers contend for the same trace rows: nothing is lost, nothing is duplicated, and
 * no request fails.
 */
@QuarkusTest
class ConcurrentIngestTest {
    static final int TRACES = 6;
    static final int CHILDREN = 40;
    static final int SENDERS = 6;

    @Inject
    Pool pool;

    @Test
    void concurrentBatchesOfTheSameTraces() throws Exception {
        String exp = Experiments.create("concurrent");
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        List<String> traceIds = new ArrayList<>();
        for (int t = 0; t < TRACES; t++) {
            Span root = tracer.spanBuilder("root-" + t).startSpan();
            root.setAttribute("mlflow.trace.session", "s-" + t);
            try (Scope ignored = root.makeCurrent()) {
                for (int c = 0; c < CHILDREN; c++) {
                    tracer.spanBuilder("child-" + c).startSpan().end();
                }
            }
            root.end();
            traceIds.add("tr-" + root.getSpanContext().getTraceId());
        }
        List<SpanData> all = rec.spans();
        Collections.shuffle(all, new Random(42));
        // Every sender gets spans of every trace; each span is sent by two senders (a retry race).
        List<List<SpanData>> perSender = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            perSender.add(new ArrayList<>());
        }
        for (int i = 0; i < all.size(); i++) {
            perSender.get(i % SENDERS).add(all.get(i));
            perSender.get((i + 1) % SENDERS).add(all.get(i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                List<SpanData> spans = perSender.get(s);
                boolean grpc = s % 2 == 1;
                results.add(pool.submit(() -> {
                    SpanExporter exporter = grpc ? Otel.grpcExporter(exp, "gzip") : Otel.httpExporter(exp, null);
                    boolean ok = true;
                    for (int from = 0; from < spans.size(); from += 20) {
                        ok &= Otel.send(exporter, spans.subList(from, Math.min(spans.size(), from + 20)));
                    }
                    exporter.shutdown();
                    return ok;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
        for (int t = 0; t < TRACES; t++) {
            String id = traceIds.get(t);
            assertThat(Db.count(this.pool, "SELECT count(*) FROM spans WHERE trace_id = $1", id)).isEqualTo(CHILDREN + 1);
            JsonPath info = given().get("/api/3.0/mlflow/traces/" + id).then().statusCode(200)
                    .extract().jsonPath().setRootPath("trace.trace_info");
            assertThat(info.getString("state")).isEqualTo("OK");
            assertThat(info.getString("trace_metadata.'mlflow.trace.session'")).isEqualTo("s-" + t);
            assertThat(info.getString("tags.'mlflow.traceName'")).isEqualTo("root-" + t);
        }
    }
}

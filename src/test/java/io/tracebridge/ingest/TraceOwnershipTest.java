package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.Requests;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A trace belongs to the experiment that created it. Spans, StartTraceV3 and traces.json that
 * name a trace of another experiment are refused and change nothing of it, also with
 * authentication off and also when writers of both experiments race for a new trace.
 */
@QuarkusTest
class TraceOwnershipTest {
    private static final String SNAPSHOT = """
            SELECT concat_ws(' | ',
              (SELECT string_agg(span_id || ':' || coalesce(parent_span_id, '') || ':' || name || ':' || md5(content), ','
                      ORDER BY span_id) FROM spans WHERE trace_id = $1),
              (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM trace_tags WHERE trace_id = $1),
              (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM trace_metadata WHERE trace_id = $1),
              (SELECT concat_ws(',', experiment_id, request_time, end_time, state, client_request_id, session_id, user_id,
                      request_preview, response_preview) FROM traces WHERE trace_id = $1))
            """;

    @Inject
    Pool pool;

    @GrpcClient("otlp")
    TraceServiceGrpc.TraceServiceBlockingStub stub;

    private String snapshot(String traceId) {
        return Db.rows(pool, SNAPSHOT, traceId).get(0).getString(0);
    }

    /** The reported attack: the root's content overwritten, spans added, the artifact location rewritten. */
    @Test
    void spansForATraceOfAnotherExperimentChangeNothingOfIt() {
        String victim = Experiments.create("victim");
        String attacker = Experiments.create("attacker");
        Traces.Batch batch = Traces.build("victim-trace", 3, 50);
        assertThat(Otel.send(Otel.httpExporter(victim, null), batch.spans())).isTrue();
        String before = snapshot(batch.traceId());
        assertThat(before).contains("victim-trace").contains("mlflow.artifactLocation=");

        SpanData root = batch.spans().stream().filter(s -> !s.getParentSpanContext().isValid()).findFirst().orElseThrow();
        List<SpanData> forged = List.of(forgedRoot(root), injectedChild(root));
        // Both transports of the real SDK, into another experiment and into the default one: the
        // answer is a success (the batch was read), but nothing of the victim's trace changes.
        assertThat(Otel.send(Otel.httpExporter(attacker, null), forged)).isTrue();
        assertThat(Otel.send(Otel.grpcExporter(attacker, "gzip"), forged)).isTrue();
        assertThat(Otel.send(Otel.httpExporter(null, null), forged)).isTrue();
        assertThat(snapshot(batch.traceId())).isEqualTo(before);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", batch.traceId())).isEqualTo(3);
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + batch.traceId()).then().statusCode(200)
                .body("trace.trace_info.trace_location.mlflow_experiment.experiment_id", equalTo(victim))
                .body("trace.trace_info.tags.'mlflow.artifactLocation'", containsString("/traces/" + batch.traceId()));

        // The owner can still add to its own trace.
        assertThat(Otel.send(Otel.httpExporter(victim, null), List.of(injectedChild(root)))).isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", batch.traceId())).isEqualTo(4);
    }

    /** OTLP partial success: the foreign trace's spans are rejected by name, the rest of the batch is stored. */
    @Test
    void partialSuccessNamesTheTraceOfAnotherExperiment() {
        String victim = Experiments.create("victim");
        String attacker = Experiments.create("attacker");
        String victimHex = Requests.randomTraceHex();
        String ownHex = Requests.randomTraceHex();
        assertThat(stub(victim).export(Requests.request(span(victimHex, "a1", "victim-root"))).hasPartialSuccess()).isFalse();

        ExportTraceServiceResponse r = stub(attacker).export(Requests.request(span(victimHex, "a1", "forged"),
                span(victimHex, "a2", "added"), span(ownHex, "b1", "own")));
        assertThat(r.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
        assertThat(r.getPartialSuccess().getErrorMessage()).contains("tr-" + victimHex).contains("another experiment");
        assertThat(Db.rows(pool, "SELECT string_agg(name, ',' ORDER BY span_id) FROM spans WHERE trace_id = $1",
                "tr-" + victimHex).get(0).getString(0)).isEqualTo("victim-root");
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1 AND experiment_id = $2",
                "tr-" + ownHex, Long.parseLong(attacker))).isEqualTo(1);
    }

    /** StartTraceV3 and traces.json for another experiment's trace: 400, and the trace is unchanged. */
    @Test
    void startTraceAndTracesJsonOfAnotherExperimentAreRefused() {
        String victim = Experiments.create("victim");
        String attacker = Experiments.create("attacker");
        Traces.Batch batch = Traces.build("victim-trace", 2, 10);
        assertThat(Otel.send(Otel.httpExporter(victim, null), batch.spans())).isTrue();
        String before = snapshot(batch.traceId());

        String startTrace = "{\"trace\":{\"trace_info\":{\"trace_id\":\"" + batch.traceId() + "\",\"client_request_id\":\"forged\","
                + "\"trace_location\":{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"" + attacker + "\"}},"
                + "\"request_time\":\"2024-01-01T00:00:00Z\",\"execution_duration\":\"1s\",\"state\":\"OK\","
                + "\"trace_metadata\":{\"forged\":\"yes\"},\"tags\":{\"forged\":\"yes\"}}}}";
        given().contentType("application/json").body(startTrace).post("/api/3.0/mlflow/traces").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString(batch.traceId()));
        String tracesJson = "{\"spans\":[{\"name\":\"forged\",\"context\":{\"span_id\":\"0x00000000000000c1\",\"trace_id\":\"0x"
                + batch.traceId().substring(3) + "\"},\"parent_id\":null,\"start_time\":1700000000000000000,"
                + "\"end_time\":1700000001000000000,\"status_code\":\"OK\",\"attributes\":{}}]}";
        given().contentType("application/json").body(tracesJson)
                .put("/api/2.0/mlflow-artifacts/artifacts/" + attacker + "/traces/" + batch.traceId() + "/artifacts/traces.json")
                .then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        assertThat(snapshot(batch.traceId())).isEqualTo(before);
    }

    /**
     * Writers of two experiments race for the same new traces: each trace ends up whole in
     * exactly one of them, and the other's spans are rejected, never mixed in.
     */
    @Test
    void concurrentWritersOfTwoExperimentsNeverMix() throws Exception {
        String a = Experiments.create("race-a");
        String b = Experiments.create("race-b");
        HttpClient http = HttpClient.newHttpClient();
        List<String> traces = new ArrayList<>();
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) { // 48 requests at once: under the 64 the limiter admits
            String hex = Requests.randomTraceHex();
            traces.add(hex);
            for (String[] side : new String[][] {{a, "a"}, {b, "b"}}) {
                byte[] body = Requests.request(span(hex, side[1] + "1", side[1]), span(hex, side[1] + "2", side[1]))
                        .toByteArray();
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(Otel.otlpHttpEndpoint()))
                        .header("Content-Type", "application/x-protobuf").header("x-mlflow-experiment-id", side[0])
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
        }
        int rejected = 0;
        for (var f : answers) {
            HttpResponse<byte[]> resp = f.get();
            assertThat(resp.statusCode()).isEqualTo(200);
            rejected += io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse.parseFrom(resp.body())
                    .getPartialSuccess().getRejectedSpans();
        }
        assertThat(rejected).as("one side of each race is rejected whole").isEqualTo(2 * traces.size());
        for (String hex : traces) {
            var row = Db.rows(pool, """
                    SELECT t.experiment_id, string_agg(s.name, ',' ORDER BY s.span_id)
                    FROM traces t JOIN spans s ON s.trace_id = t.trace_id WHERE t.trace_id = $1 GROUP BY 1
                    """, "tr-" + hex).get(0);
            String owner = String.valueOf(row.getLong(0));
            assertThat(row.getString(1)).as("spans of tr-%s", hex).isEqualTo(owner.equals(a) ? "a,a" : "b,b");
        }
    }

    // ---------------------------------------------------------------------------------------

    private TraceServiceGrpc.TraceServiceBlockingStub stub(String experimentId) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-mlflow-experiment-id", Metadata.ASCII_STRING_MARSHALLER), experimentId);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static io.opentelemetry.proto.trace.v1.Span span(String traceHex, String spanSuffix, String name) {
        String spanHex = "0".repeat(16 - spanSuffix.length()) + spanSuffix;
        return io.opentelemetry.proto.trace.v1.Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex(spanHex)).setName(name)
                .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L).build();
    }

    /** The victim's root span, same IDs, other name and content. */
    private static SpanData forgedRoot(SpanData root) {
        return new DelegatingSpanData(root) {
            @Override
            public String getName() {
                return "forged";
            }

            @Override
            public Attributes getAttributes() {
                return Attributes.of(AttributeKey.stringKey("mlflow.spanInputs"), "{\"forged\": true}",
                        AttributeKey.stringKey("mlflow.traceTag.forged"), "yes",
                        AttributeKey.stringKey("mlflow.trace.user"), "mallory");
            }
        };
    }

    /** A new span in the victim's trace, under its root. */
    private static SpanData injectedChild(SpanData root) {
        SpanContext context = SpanContext.create(root.getTraceId(), "00000000000000d1", TraceFlags.getSampled(),
                TraceState.getDefault());
        return new DelegatingSpanData(root) {
            @Override
            public SpanContext getSpanContext() {
                return context;
            }

            @Override
            public SpanContext getParentSpanContext() {
                return root.getSpanContext();
            }

            @Override
            public String getName() {
                return "injected";
            }
        };
    }
}

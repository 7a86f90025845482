package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.Requests;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * OTLP's rule for text PostgreSQL cannot store: NUL characters and unpaired surrogates become
 * U+FFFD wherever they are stored, the data is accepted, and the response's partial_success
 * (rejected_spans 0) warns how many values were changed.
 */
@QuarkusTest
class UnstorableTextIngestTest {

    @Inject
    Pool pool;

    @Inject
    MeterRegistry registry;

    private static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    private double replacedMetric(String transport) {
        Counter c = registry.find("tracebridge.ingest.text.values.replaced").tag("transport", transport).counter();
        return c == null ? 0 : c.count();
    }

    /** Seven strings with NUL in every kind of place a span carries text, over OTLP/HTTP protobuf. */
    private static ExportTraceServiceRequest nulEverywhere(String traceHex) {
        Span span = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000e1"))
                .setName("chat\u0000root")
                .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .addAttributes(attr("mlflow.spanInputs", "\"question\u0000\""))
                .addAttributes(attr("key\u0000", "plain"))
                .addAttributes(KeyValue.newBuilder().setKey("list").setValue(AnyValue.newBuilder().setArrayValue(
                        ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("ok"))
                                .addValues(AnyValue.newBuilder().setStringValue("n\u0000")))))
                .addEvents(Span.Event.newBuilder().setName("ev\u0000").setTimeUnixNano(1_700_000_000_500_000_000L))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom\u0000"))
                .build();
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attr("service.name", "svc\u0000")))
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
                .build();
    }

    private void assertNulReplaced(String traceId) {
        var row = Db.rows(pool, "SELECT name, content FROM spans WHERE trace_id = $1", traceId).get(0);
        assertThat(row.getString("name")).isEqualTo("chat\uFFFDroot");
        JsonPath span = JsonPath.from(row.getString("content"));
        assertThat(span.getString("name")).isEqualTo("chat\uFFFDroot");
        assertThat(span.getString("attributes.find { it.key == 'mlflow.spanInputs' }.value.string_value"))
                .isEqualTo("\"question\uFFFD\"");
        assertThat(span.getList("attributes.key", String.class)).contains("key\uFFFD");
        assertThat(span.getString("attributes.find { it.key == 'list' }.value.array_value.values[1].string_value"))
                .isEqualTo("n\uFFFD");
        assertThat(span.getString("events[0].name")).isEqualTo("ev\uFFFD");
        assertThat(span.getString("status.message")).isEqualTo("boom\uFFFD");
        JsonPath trace = given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200).extract().jsonPath();
        assertThat(trace.getString("trace.trace_info.tags.'mlflow.traceName'")).isEqualTo("chat\uFFFDroot");
        assertThat(trace.getString("trace.trace_info.request_preview")).contains("question\uFFFD");
    }

    @Test
    void nulOverHttpProtobufIsReplacedCountedAndReported() throws Exception {
        String exp = Experiments.create("nul-http");
        String traceHex = Requests.randomTraceHex();
        double before = replacedMetric("http");
        byte[] body = given().contentType("application/x-protobuf").header("x-mlflow-experiment-id", exp)
                .body(nulEverywhere(traceHex).toByteArray())
                .post("/v1/traces").then().statusCode(200).extract().asByteArray();
        ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(body);
        assertThat(response.hasPartialSuccess()).isTrue();
        assertThat(response.getPartialSuccess().getRejectedSpans()).isZero();
        assertThat(response.getPartialSuccess().getErrorMessage()).isEqualTo(
                "7 value(s) contained NUL characters or unpaired surrogates; they were replaced with U+FFFD");
        assertNulReplaced("tr-" + traceHex);
        assertThat(replacedMetric("http") - before).isEqualTo(7);
    }

    @Test
    void nulOverGrpcIsReportedInPartialSuccess() throws Exception {
        String exp = Experiments.create("nul-grpc");
        String traceHex = Requests.randomTraceHex();
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            io.grpc.Metadata headers = new io.grpc.Metadata();
            headers.put(io.grpc.Metadata.Key.of("x-mlflow-experiment-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), exp);
            ExportTraceServiceResponse response = TraceServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .export(nulEverywhere(traceHex));
            assertThat(response.getPartialSuccess().getRejectedSpans()).isZero();
            assertThat(response.getPartialSuccess().getErrorMessage()).startsWith("7 value(s) contained NUL characters");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertNulReplaced("tr-" + traceHex);
    }

    /**
     * Protobuf cannot carry a lone surrogate (protobuf-java and the SDK's marshaler write '?' for
     * one, and parsing refuses invalid UTF-8), but OTLP/JSON can: the {@code \ud800} escape. It must
     * become U+FFFD (the database client would write '?'), while a valid pair stays as it is.
     */
    @Test
    void loneSurrogatesOverOtlpJsonBecomeReplacementCharacters() {
        String exp = Experiments.create("surrogate-json");
        String traceHex = Requests.randomTraceHex();
        String json = """
                {"resourceSpans":[{"scopeSpans":[{"spans":[
                  {"traceId":"%s","spanId":"00000000000000f1","name":"x\\udc00y\\ud83d\\ude00",
                   "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000",
                   "attributes":[{"key":"mlflow.traceTag.k\\ud800","value":{"stringValue":"v\\ud800"}},
                                 {"key":"emoji","value":{"stringValue":"\\ud83d\\ude00"}}]}]}]}]}
                """.formatted(traceHex);
        JsonPath response = given().contentType("application/json").header("x-mlflow-experiment-id", exp)
                .body(json.getBytes(StandardCharsets.UTF_8))
                .post("/v1/traces").then().statusCode(200).extract().jsonPath();
        assertThat(response.getString("partialSuccess.errorMessage")).isEqualTo(
                "3 value(s) contained NUL characters or unpaired surrogates; they were replaced with U+FFFD");
        // proto3 JSON leaves out a zero rejectedSpans.
        assertThat(response.getString("partialSuccess.rejectedSpans")).isIn(null, "0");
        String traceId = "tr-" + traceHex;
        var row = Db.rows(pool, "SELECT name, content FROM spans WHERE trace_id = $1", traceId).get(0);
        assertThat(row.getString("name")).isEqualTo("x\uFFFDy\uD83D\uDE00");
        JsonPath span = JsonPath.from(row.getString("content"));
        assertThat(span.getString("attributes.find { it.key == 'mlflow.traceTag.k\uFFFD' }.value.string_value"))
                .isEqualTo("v\uFFFD");
        assertThat(span.getString("attributes.find { it.key == 'emoji' }.value.string_value")).isEqualTo("\uD83D\uDE00");
        assertThat(Db.rows(pool, "SELECT value FROM trace_tags WHERE trace_id = $1 AND key = $2", traceId, "k\uFFFD")
                .get(0).getString("value")).isEqualTo("v\uFFFD");
    }

    /** The real SDK sends what applications put in span names and attributes, NUL included. */
    @Test
    void nulFromTheOtelSdkIsStoredAsReplacementCharacter() {
        String exp = Experiments.create("nul-sdk");
        RecordingExporter recorder = new RecordingExporter();
        SdkTracerProvider provider = Otel.recordingProvider(recorder, Attributes.empty());
        io.opentelemetry.api.trace.Span s = Otel.tracer(provider).spanBuilder("sdk\u0000span").startSpan();
        s.setAttribute(AttributeKey.stringKey("note"), "a\u0000b");
        s.end();
        String traceId = "tr-" + s.getSpanContext().getTraceId();
        OtlpHttpSpanExporter exporter = Otel.httpExporter(exp, null);
        try {
            assertThat(Otel.send(exporter, recorder.spans())).isTrue();
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
        var row = Db.rows(pool, "SELECT name, content FROM spans WHERE trace_id = $1", traceId).get(0);
        assertThat(row.getString("name")).isEqualTo("sdk\uFFFDspan");
        assertThat(JsonPath.from(row.getString("content"))
                .getString("attributes.find { it.key == 'note' }.value.string_value")).isEqualTo("a\uFFFDb");
    }
}

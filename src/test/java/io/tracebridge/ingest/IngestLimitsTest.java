package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.mapping.AttributeLimiter;
import io.tracebridge.support.Db;
import io.tracebridge.support.Requests;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Configured limits (small in the test profile): spans per request, attribute size, body size. */
@QuarkusTest
class IngestLimitsTest {

    @Inject
    Pool pool;

    @GrpcClient("otlp")
    TraceServiceGrpc.TraceServiceBlockingStub stub;

    /** 600 spans against a limit of 500: the first 500 are stored, 100 reported rejected, on both transports. */
    @Test
    void tooManySpansArePartiallyRejected() throws Exception {
        for (boolean grpc : new boolean[] {false, true}) {
            String traceHex = Requests.randomTraceHex();
            Span[] spans = new Span[600];
            for (int i = 0; i < spans.length; i++) {
                spans[i] = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                        .setSpanId(ByteString.fromHex(HexFormat.of().toHexDigits((long) i + 1)))
                        .setName("s" + i).setStartTimeUnixNano(1_700_000_000_000_000_000L + i).build();
            }
            ExportTraceServiceResponse response;
            if (grpc) {
                response = stub.export(Requests.request(spans));
            } else {
                byte[] body = given().contentType("application/x-protobuf").body(Requests.request(spans).toByteArray())
                        .post("/v1/traces").then().statusCode(200).extract().asByteArray();
                response = ExportTraceServiceResponse.parseFrom(body);
            }
            assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(100);
            assertThat(response.getPartialSuccess().getErrorMessage()).contains("more spans in one request");
            assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", "tr-" + traceHex))
                    .isEqualTo(500);
        }
    }

    /** A value over the 10,000-character test limit is cut with a visible marker and counted. */
    @Test
    void longAttributeValuesAreTruncatedVisibly() {
        String traceHex = Requests.randomTraceHex();
        Span span = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000e1")).setName("long")
                .addAttributes(KeyValue.newBuilder().setKey("mlflow.spanInputs")
                        .setValue(AnyValue.newBuilder().setStringValue("y".repeat(25_000))))
                .addAttributes(KeyValue.newBuilder().setKey("short").setValue(AnyValue.newBuilder().setStringValue("ok")))
                .build();
        given().contentType("application/x-protobuf").body(Requests.request(span).toByteArray())
                .post("/v1/traces").then().statusCode(200);
        String content = Db.rows(pool, "SELECT content FROM spans WHERE trace_id = $1", "tr-" + traceHex)
                .get(0).getString(0);
        assertThat(content).contains("y".repeat(10_000) + AttributeLimiter.MARKER_PREFIX + "15000 characters]")
                .doesNotContain("y".repeat(10_001)).contains("\"short\"");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("tracebridge_ingest_attribute_values_truncated_total{transport=\"http\"}"));
    }

    /**
     * Span limits (test profile: names 256, keys 128, 64 attributes, 32 events). Sent as a
     * hand-built protobuf: the OTel SDK would apply its own limits before sending.
     */
    @Test
    void spanLimitsCutLongNamesAndDropAndCountAttributesAndEvents() throws Exception {
        String traceHex = Requests.randomTraceHex();
        Span.Builder span = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000f1")).setName("n".repeat(10_000))
                .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                .setDroppedAttributesCount(2).setDroppedEventsCount(1)
                .addAttributes(attribute("k".repeat(10_000), "long key"));
        for (int i = 0; i < 100; i++) {
            span.addAttributes(attribute("a" + i, "v" + i));
        }
        for (int i = 0; i < 40; i++) {
            Span.Event.Builder e = Span.Event.newBuilder().setName(i == 0 ? "e".repeat(1_000) : "event-" + i)
                    .setTimeUnixNano(1_700_000_000_000_000_000L + i);
            if (i == 1) {
                for (int j = 0; j < 70; j++) {
                    e.addAttributes(attribute("ea" + j, "x"));
                }
            }
            span.addEvents(e);
        }
        given().contentType("application/x-protobuf").body(Requests.request(span.build()).toByteArray())
                .post("/v1/traces").then().statusCode(200);

        var row = Db.rows(pool, "SELECT name, content FROM spans WHERE trace_id = $1", "tr-" + traceHex).get(0);
        assertThat(row.getString(0)).isEqualTo("n".repeat(256) + AttributeLimiter.MARKER_PREFIX + "9744 characters]");
        JsonNode content = new ObjectMapper().readTree(row.getString(1));
        assertThat(content.get("name").asText()).isEqualTo(row.getString(0));
        List<String> keys = new ArrayList<>();
        content.get("attributes").forEach(a -> keys.add(a.get("key").asText()));
        // The first 64 attributes with short keys; the long key and a64..a99 dropped and counted.
        assertThat(keys).filteredOn(k -> k.startsWith("a")).hasSize(64).startsWith("a0").contains("a63")
                .doesNotContain("a64");
        assertThat(keys).allSatisfy(k -> assertThat(k.length()).isLessThanOrEqualTo(128));
        assertThat(content.get("dropped_attributes_count").asInt()).isEqualTo(2 + 1 + 36);
        assertThat(content.get("events")).hasSize(32);
        assertThat(content.get("dropped_events_count").asInt()).isEqualTo(1 + 8);
        JsonNode first = content.get("events").get(0);
        assertThat(first.get("name").asText()).isEqualTo("e".repeat(256) + AttributeLimiter.MARKER_PREFIX + "744 characters]");
        JsonNode second = content.get("events").get(1);
        assertThat(second.get("attributes")).hasSize(64);
        assertThat(second.get("dropped_attributes_count").asInt()).isEqualTo(6);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("tracebridge_ingest_span_limits_total{transport=\"http\",what=\"name_truncated\"}")
                .contains("tracebridge_ingest_span_limits_total{transport=\"http\",what=\"attribute_dropped\"}")
                .contains("tracebridge_ingest_span_limits_total{transport=\"http\",what=\"event_dropped\"}");
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    @Test
    void bodyOverTheDecompressedLimitIs413() {
        byte[] big = new byte[5 * 1024 * 1024];
        given().contentType("application/x-protobuf").body(big).post("/v1/traces").then().statusCode(413);
    }

    @Test
    void metricsCountSpansByTransportAndOutcome() {
        given().contentType("application/x-protobuf").body(Requests.protobuf(Requests.randomTraceHex()))
                .post("/v1/traces").then().statusCode(200);
        Span zeroId = Span.newBuilder().setTraceId(ByteString.fromHex(Requests.randomTraceHex()))
                .setSpanId(ByteString.fromHex("0000000000000000")).build();
        given().contentType("application/x-protobuf").body(Requests.request(zeroId).toByteArray())
                .post("/v1/traces").then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("tracebridge_ingest_spans_received_total{transport=\"http\"}")
                .contains("tracebridge_ingest_spans_stored_total{transport=\"http\"}")
                .contains("tracebridge_ingest_spans_rejected_total{reason=\"invalid_span_id\",transport=\"http\"}")
                .contains("tracebridge_ingest_requests_seconds_count{outcome=\"success\",transport=\"http\"}")
                .contains("tracebridge_ingest_requests_seconds_count{outcome=\"partial\",transport=\"http\"}");
    }
}

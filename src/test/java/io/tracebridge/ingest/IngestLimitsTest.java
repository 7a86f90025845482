package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

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

import java.util.HexFormat;

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

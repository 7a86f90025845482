package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Requests;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/** Malformed and unusual OTLP/HTTP requests: each gets a clear status and message, never a 500. */
@QuarkusTest
class OtlpHttpErrorsTest {

    @Inject
    Pool pool;

    @Test
    void unsupportedContentTypeIs415() {
        given().contentType("text/plain").body("hello").post("/v1/traces").then().statusCode(415)
                .body("message", containsString("Unsupported Content-Type: text/plain"));
    }

    @Test
    void undecodableProtobufIs400WithStatusBody() throws Exception {
        byte[] body = given().contentType("application/x-protobuf").body(new byte[] {(byte) 0xff, 0x01, 0x02})
                .post("/v1/traces").then().statusCode(400).contentType("application/x-protobuf")
                .extract().asByteArray();
        Status status = Status.parseFrom(body);
        assertThat(status.getCode()).isEqualTo(3);
        assertThat(status.getMessage()).startsWith("Invalid OTLP protobuf body");
    }

    @Test
    void malformedJsonIs400() {
        given().contentType("application/json").body("{\"resourceSpans\": [").post("/v1/traces").then()
                .statusCode(400).body("message", containsString("Invalid OTLP JSON body"));
        given().contentType("application/json").body("[1,2]").post("/v1/traces").then()
                .statusCode(400).body("message", containsString("expected a JSON object"));
    }

    @Test
    void nonHexIdInJsonIs400NamingTheField() {
        String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"not-hex\",\"spanId\":\"eee19b7ec3c1b174\"}]}]}]}";
        given().contentType("application/json").body(json).post("/v1/traces").then().statusCode(400)
                .body("message", containsString("traceId 'not-hex' is not a hex string"));
    }

    @Test
    void unsupportedAndCorruptEncodingsAre400() {
        given().contentType("application/x-protobuf").header("Content-Encoding", "br")
                .body(Requests.protobuf(Requests.randomTraceHex())).post("/v1/traces").then().statusCode(400);
        given().contentType("application/json").header("Content-Encoding", "br").body("{}")
                .post("/v1/traces").then().statusCode(400).body("message", containsString("Unsupported Content-Encoding: br"));
        given().contentType("application/json").header("Content-Encoding", "gzip").body("not gzip at all")
                .post("/v1/traces").then().statusCode(400).body("message", containsString("Corrupt gzip body"));
        given().contentType("application/json").header("Content-Encoding", "deflate").body("not deflate")
                .post("/v1/traces").then().statusCode(400).body("message", containsString("Corrupt deflate body"));
    }

    @Test
    void deflateZlibAndRawAreAccepted() throws IOException {
        for (boolean raw : new boolean[] {false, true}) {
            String traceHex = Requests.randomTraceHex();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
                d.write(Requests.protobuf(traceHex));
            }
            given().contentType("application/x-protobuf").header("Content-Encoding", "deflate").body(out.toByteArray())
                    .post("/v1/traces").then().statusCode(200);
            assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", "tr-" + traceHex)).isEqualTo(1);
        }
    }

    /** A small gzip body that inflates past the limit is refused without inflating it all. */
    @Test
    void gzipBombIs413() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 20; i++) {
                gz.write(zeros);
            }
        }
        assertThat(out.size()).isLessThan(100_000);
        given().contentType("application/x-protobuf").header("Content-Encoding", "gzip").body(out.toByteArray())
                .post("/v1/traces").then().statusCode(413);
    }

    /** Spans with invalid IDs are refused one by one; the rest are stored and reported as partial success. */
    @Test
    void invalidSpanIdsArePartialSuccess() throws Exception {
        String traceHex = Requests.randomTraceHex();
        Span good = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000b1")).setName("good")
                .setStartTimeUnixNano(1_700_000_000_000_000_000L).build();
        Span zeroSpanId = good.toBuilder().setSpanId(ByteString.fromHex("0000000000000000")).build();
        Span shortTrace = good.toBuilder().setTraceId(ByteString.fromHex("0102")).build();
        byte[] body = given().contentType("application/x-protobuf")
                .body(Requests.request(good, zeroSpanId, shortTrace).toByteArray())
                .post("/v1/traces").then().statusCode(200).extract().asByteArray();
        ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(body);
        assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
        assertThat(response.getPartialSuccess().getErrorMessage())
                .contains("invalid span_id").contains("invalid trace_id");
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", "tr-" + traceHex)).isEqualTo(1);
    }

    /**
     * Odd but legal input that once broke ingest: empty span-kind values, keys that differ only
     * by a NUL character, and the all-zero parent ID (OTel: no parent).
     */
    @Test
    void oddAttributesAndZeroParentAreStored() {
        String traceHex = Requests.randomTraceHex();
        Span span = Span.newBuilder().setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000d1"))
                .setParentSpanId(ByteString.fromHex("0000000000000000"))
                .setName("odd\u0000name").setStartTimeUnixNano(1_700_000_000_000_000_000L)
                .setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .addAttributes(attr("gen_ai.operation.name", io.opentelemetry.proto.common.v1.AnyValue.getDefaultInstance()))
                .addAttributes(attr("openinference.span.kind", string("")))
                .addAttributes(attr("mlflow.traceTag.k\u0000", string("first")))
                .addAttributes(attr("mlflow.traceTag.k\uFFFD", string("second")))
                .addAttributes(attr("mlflow.traceMetadata.m\u0000", string("v\u0000")))
                .build();
        given().contentType("application/x-protobuf").body(Requests.request(span).toByteArray())
                .post("/v1/traces").then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/get?trace_id=tr-" + traceHex).then().statusCode(200)
                .body("trace.trace_info.state", equalTo("OK"))
                .body("trace.trace_info.tags.'k\uFFFD'", equalTo("second"))
                .body("trace.trace_info.trace_metadata.'m\uFFFD'", equalTo("v\uFFFD"))
                .body("trace.trace_info.tags.'mlflow.traceName'", equalTo("odd\uFFFDname"));
    }

    private static io.opentelemetry.proto.common.v1.KeyValue attr(String k, io.opentelemetry.proto.common.v1.AnyValue v) {
        return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(k).setValue(v).build();
    }

    private static io.opentelemetry.proto.common.v1.AnyValue string(String s) {
        return io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(s).build();
    }

    @Test
    void emptyRequestIsAcceptedAndStoresNothing() {
        given().contentType("application/json").body("{}").post("/v1/traces").then().statusCode(200)
                .body(equalTo("{}"));
    }

    /** Context attributes from the other conventions: OTel semconv, GenAI, Langfuse, HTTP header capture. */
    @Test
    void contextConventions() {
        String t1 = Requests.randomTraceHex();
        String t2 = Requests.randomTraceHex();
        String json = """
                {"resourceSpans":[{"resource":{"attributes":[{"key":"session.id","value":{"stringValue":"resource-session"}}]},
                 "scopeSpans":[{"spans":[
                  {"traceId":"%s","spanId":"00000000000000c1","name":"root","startTimeUnixNano":"1700000000000000000",
                   "attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"conv-1"}},
                                 {"key":"enduser.id","value":{"stringValue":"end-user"}},
                                 {"key":"http.request.header.x-request-id","value":{"arrayValue":{"values":[{"stringValue":"hdr-req-1"}]}}}]},
                  {"traceId":"%s","spanId":"00000000000000c2","name":"root","startTimeUnixNano":"1700000000000000000",
                   "attributes":[{"key":"langfuse.session.id","value":{"stringValue":"lf-session"}},
                                 {"key":"langfuse.user.id","value":{"stringValue":"lf-user"}},
                                 {"key":"session.id","value":{"stringValue":"otel-session"}},
                                 {"key":"openinference.span.kind","value":{"stringValue":"AGENT"}}]}]}]}]}
                """.formatted(t1, t2);
        given().contentType("application/json").body(json).post("/v1/traces").then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/tr-" + t1).then().statusCode(200)
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("conv-1"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.user'", equalTo("end-user"))
                .body("trace.trace_info.client_request_id", equalTo("hdr-req-1"))
                .body("trace.trace_info.tags.'session.id'", equalTo("resource-session"));
        given().get("/api/3.0/mlflow/traces/tr-" + t2).then().statusCode(200)
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("otel-session"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.user'", equalTo("lf-user"));
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1 AND span_type = 'AGENT'", "tr-" + t2))
                .isEqualTo(1);
    }
}

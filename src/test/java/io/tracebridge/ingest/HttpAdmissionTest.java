package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.tracebridge.support.Requests;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Admission by bytes takes an OTLP body's whole estimated cost (receiving it and decoding it) as
 * soon as its length is announced. Admitted on the receiving cost alone, several large bodies fit
 * together and then each was refused half-way while decoding, none completing: MemoryBudgetIT
 * saw all 24 concurrent 15 MiB bodies answered 503 on a 2-core machine.
 */
@QuarkusTest
@TestProfile(HttpAdmissionTest.SmallBudget.class)
class HttpAdmissionTest {
    static final long BUDGET = 12L << 20;

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.ingest.max-in-flight-bytes", Long.toString(BUDGET));
        }
    }

    @Inject
    IngestService ingest;

    @Test
    @Timeout(60)
    void aBodyStillArrivingHoldsItsWholeCostSoASecondLargeOneIsRefusedNotBothStalled() throws Exception {
        byte[] first = request();
        byte[] second = request();
        long whole = (long) first.length
                * (OtlpHttpAdmission.RECEIVED_COST_PER_BYTE + OtlpDecoder.PROTOBUF_COST_PER_BYTE);
        assertThat(2 * whole).as("two do not fit, one does").isGreaterThan(BUDGET);
        assertThat(whole).isLessThanOrEqualTo(BUDGET);
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
                    + "Content-Length: " + first.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(first, 0, first.length / 2);
            out.flush();
            assertThat(usedWithin(Duration.ofSeconds(10), whole)).as("taken for the body still arriving").isEqualTo(whole);

            given().contentType("application/x-protobuf").body(second).post("/v1/traces")
                    .then().statusCode(503).header("Retry-After", org.hamcrest.Matchers.notNullValue());

            out.write(first, first.length / 2, first.length - first.length / 2);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).as("the admitted body completes").isEqualTo("HTTP/1.1 200 OK");
        }
        assertThat(usedWithin(Duration.ofSeconds(10), 0)).as("given back").isZero();
        given().contentType("application/x-protobuf").body(second).post("/v1/traces").then().statusCode(200);
    }

    /** The budget's use once it is {@code expected}, or as it is when {@code wait} has passed. */
    private long usedWithin(Duration wait, long expected) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (ingest.budget().used() != expected && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return ingest.budget().used();
    }

    /** About 1 MiB of valid OTLP: 200 spans of one new trace, each with a 5,000-character attribute. */
    private static byte[] request() {
        ByteString trace = ByteString.fromHex(Requests.randomTraceHex());
        Span[] spans = new Span[200];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = Span.newBuilder().setTraceId(trace)
                    .setSpanId(ByteString.fromHex(HexFormat.of().toHexDigits((long) i + 1)))
                    .setName("step-" + i)
                    .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L)
                    .addAttributes(KeyValue.newBuilder().setKey("payload")
                            .setValue(AnyValue.newBuilder().setStringValue("x".repeat(5000))))
                    .build();
        }
        return Requests.request(spans).toByteArray();
    }
}

package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.tracebridge.support.Db;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Hostile shapes of input and clients: each is bounded and answered clearly. */
@QuarkusTest
@TestProfile(AbuseLimitsTest.ShortIdleTimeout.class)
class AbuseLimitsTest {
    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "3s", "tracebridge.ingest.max-spans-per-trace", "6000");
        }
    }

    @Inject
    Pool pool;

    @Test
    void stalledClientsNeitherBlockOthersNorStayConnected() throws Exception {
        // First use of the exporter and of this application's ingest path (class loading, the
        // first connection, the experiment lookup) costs about a second on a cold JVM, up to 3 s
        // under CI load: paid here, so that the time below measures only being beside the
        // stalled clients.
        Traces.send("0", "warm-up", null);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("localhost", RestAssured.port);
                OutputStream out = s.getOutputStream();
                // Announces a body and sends one byte of it, then nothing.
                out.write(("POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(s);
            }
            long t0 = System.nanoTime();
            given().get("/version").then().statusCode(200);
            String traceId = Traces.send("0", "beside-stalled-clients", null);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for other clients").isLessThan(3_000);
            assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", traceId)).isEqualTo(2);
            // The idle timeout (3 s here, 60 s by default) closes every stalled connection.
            for (Socket s : stalled) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                int r;
                try {
                    do {
                        r = in.read();
                    } while (r != -1);
                } catch (java.net.SocketException closed) {
                    r = -1;
                } catch (SocketTimeoutException stillOpen) {
                    throw new AssertionError("a stalled connection is still open after 10 s");
                }
                assertThat(r).isEqualTo(-1);
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void deepAndCyclicParentChainsAreStoredWithoutRecursion() {
        // 5,000 spans, each the child of the previous one, in 10 requests of 500 (the test profile's
        // per-request limit), deepest first.
        byte[] trace = id(16);
        List<Span> chain = new ArrayList<>();
        byte[] parent = null;
        for (int i = 0; i < 5_000; i++) {
            byte[] spanId = spanId(i + 1);
            chain.add(span(trace, spanId, parent, "level-" + i));
            parent = spanId;
        }
        for (int to = chain.size(); to > 0; to -= 500) {
            post(chain.subList(to - 500, to));
        }
        String deepId = "tr-" + HexFormat.of().formatHex(trace);
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + deepId).then().statusCode(200)
                .body("trace.trace_info.state", equalTo("OK"))
                .body("trace.spans.size()", equalTo(5_000));

        // The per-trace cap (6,000 here, 100,000 by default): a batch for a trace that is full is
        // rejected as a partial success; re-sending stored spans adds nothing either way.
        for (int batch = 0; batch < 3; batch++) {
            List<Span> more = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                more.add(span(trace, spanId(100_000 + batch * 500L + i), spanId(1), "extra"));
            }
            ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                    .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(more))).build();
            var answer = given().body(req.toByteArray())
                    .contentType("application/x-protobuf").post("/v1/traces").then().statusCode(200).extract().asByteArray();
            int rejected = parseRejected(answer);
            assertThat(rejected).as("batch %d", batch).isEqualTo(batch < 2 ? 0 : 500);
        }
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", deepId)).isEqualTo(6_000);

        // A cycle (a -> b -> a) and a span that is its own parent: stored, no root, so the trace
        // stays IN_PROGRESS; the spans are readable with allow_partial.
        byte[] cyclic = id(16);
        byte[] a = spanId(1);
        byte[] b = spanId(2);
        byte[] self = spanId(3);
        post(List.of(span(cyclic, a, b, "a"), span(cyclic, b, a, "b"), span(cyclic, self, self, "self")));
        String cyclicId = "tr-" + HexFormat.of().formatHex(cyclic);
        given().get("/api/3.0/mlflow/traces/" + cyclicId).then().statusCode(200)
                .body("trace.trace_info.state", equalTo("IN_PROGRESS"));
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + cyclicId + "&allow_partial=true").then().statusCode(200)
                .body("trace.spans.size()", equalTo(3));
    }

    @Test
    void oversizedFiltersAreRefused() {
        String exp = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"0\"}}],"
                + "\"filter\":\"%s\"}";
        String longValue = "tag.k = '" + "x".repeat(20_000) + "'";
        given().contentType("application/json").body(String.format(exp, longValue)).post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("too long"));
        String manyClauses = String.join(" AND ", java.util.Collections.nCopies(51, "tag.k = 'v'"));
        given().contentType("application/json").body(String.format(exp, manyClauses)).post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("message", containsString("more than 50"));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 1_001; i++) {
            values.add("'v" + i + "'");
        }
        String bigIn = "trace.status IN (" + String.join(", ", values) + ")";
        given().contentType("application/json").body(String.format(exp, bigIn)).post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("message", containsString("at most 1000"));
        String fifty = String.join(" AND ", java.util.Collections.nCopies(50, "tag.k = 'v'"));
        given().contentType("application/json").body(String.format(exp, fifty)).post("/api/3.0/mlflow/traces/search")
                .then().statusCode(200);
    }

    // ---------------------------------------------------------------------------------------

    private static int parseRejected(byte[] body) {
        try {
            return (int) io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse.parseFrom(body)
                    .getPartialSuccess().getRejectedSpans();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static void post(List<Span> spans) {
        ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))).build();
        given().contentType("application/x-protobuf").body(req.toByteArray()).post("/v1/traces").then().statusCode(200);
    }

    private static Span span(byte[] trace, byte[] spanId, byte[] parent, String name) {
        Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(spanId))
                .setName(name).setStartTimeUnixNano(1_750_000_000_000_000_000L).setEndTimeUnixNano(1_750_000_001_000_000_000L);
        if (parent != null) {
            s.setParentSpanId(ByteString.copyFrom(parent));
        }
        return s.build();
    }

    private static byte[] id(int bytes) {
        UUID u = UUID.randomUUID();
        return ByteBuffer.allocate(bytes).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    private static byte[] spanId(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }
}

package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracebridge.support.PackagedApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Issue 14: a few large bodies at once must not take the heap. The packaged application runs as
 * the Deployment runs it ({@code -Xmx384m -XX:+ExitOnOutOfMemoryError} from the ConfigMap), and
 * gets {@value #CONCURRENT} concurrent requests of about 15 MiB of each transport and encoding:
 * identity protobuf and JSON; gzip, zlib deflate and raw deflate bodies that inflate to about
 * 15 MiB of valid OTLP; 15 MiB of incompressible gzip and deflate; OTLP/gRPC
 * messages of 15 MiB, plain and gzip-compressed. Every answer must be a success, a 400/413, or a
 * 503 with Retry-After (OK, UNAVAILABLE or RESOURCE_EXHAUSTED on gRPC); afterwards the process is
 * alive and ready.
 */
class MemoryBudgetIT {
    static final int CONCURRENT = 24;
    private static final String HOST = System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1");
    private static final String PORT = System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432");
    private static final String DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String USER = System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge");
    private static final String PASSWORD = System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge");

    private static PackagedApp app;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        app = PackagedApp.start("memory", PackagedApp.db(HOST, PORT, DB, USER, PASSWORD), 0, 0);
        app.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void concurrentMaximumSizeHttpBodiesOfEveryEncodingLeaveTheServiceAlive() throws Exception {
        ExportTraceServiceRequest request = request(15 * 1024 * 1024);
        byte[] protobuf = request.toByteArray();
        byte[] random = new byte[15 * 1024 * 1024];
        new Random(14).nextBytes(random);
        Map<String, Map<String, Integer>> answers = new LinkedHashMap<>();
        answers.put("protobuf", http(protobuf, "application/x-protobuf", null));
        // OTLP JSON (base64 IDs here) is about 1.65 times the protobuf: a 9 MiB request prints to about 15 MiB.
        byte[] json = JsonFormat.printer().omittingInsignificantWhitespace().print(request(9 * 1024 * 1024))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(json.length).isBetween(10 << 20, 16 << 20);
        answers.put("json", http(json, "application/json", null));
        answers.put("gzip", http(gzip(protobuf), "application/x-protobuf", "gzip"));
        answers.put("deflate-zlib", http(deflate(protobuf, false), "application/x-protobuf", "deflate"));
        answers.put("deflate-raw", http(deflate(protobuf, true), "application/x-protobuf", "deflate"));
        answers.put("gzip-incompressible", http(gzip(random), "application/x-protobuf", "gzip"));
        answers.put("deflate-incompressible", http(deflate(random, false), "application/x-protobuf", "deflate"));
        // Admission does not depend on the path's spelling, and REST bodies are buffered too.
        answers.put("protobuf to /v1/traces;x=1", http(protobuf, "application/x-protobuf", null, "/v1/traces;x=1"));
        byte[] hugeName = ("{\"name\":\"" + "n".repeat(15 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        answers.put("REST body", http(hugeName, "application/json", null, "/api/2.0/mlflow/experiments/create"));
        System.out.println("answers to " + CONCURRENT + " concurrent requests: " + answers);

        assertThat(app.process().isAlive()).as("service alive after the bodies; stderr in target/packaged-app-memory.stderr")
                .isTrue();
        for (var e : answers.entrySet()) {
            assertThat(e.getValue().values().stream().mapToInt(Integer::intValue).sum()).as(e.getKey()).isEqualTo(CONCURRENT);
            assertThat(e.getValue().keySet()).as(e.getKey()).isSubsetOf("200", "400", "413", "503+Retry-After");
        }
        // The budget admitted some and refused others, rather than all or nothing.
        assertThat(answers.get("protobuf")).containsKeys("200", "503+Retry-After");
        assertThat(answers.get("protobuf to /v1/traces;x=1")).containsKey("503+Retry-After");
        assertThat(answers.get("REST body")).containsKey("503+Retry-After");
        assertReady();
    }

    /**
     * {@value #CONCURRENT} concurrent calls of a 15 MiB message, each on its own connection (one
     * HTTP/2 connection would let its flow-control window serialize them), plain and gzip. Every
     * answer must be OK, UNAVAILABLE or RESOURCE_EXHAUSTED (INVALID_ARGUMENT for a refused gzip
     * message cut off while inflating would be a bug, and so is a deadline or a reset); afterwards
     * the process is alive and ready. Before the gRPC admission, grpc-java buffered and parsed all
     * 24 messages (about 7x their size each once parsed) and the service died of OutOfMemoryError.
     */
    @Test
    void concurrentMaximumSizeGrpcCallsLeaveTheServiceAlive() throws Exception {
        ExportTraceServiceRequest request = request(15 * 1024 * 1024);
        assertThat(request.getSerializedSize()).isBetween(14 << 20, 16 << 20);
        Map<String, Map<String, Integer>> answers = new LinkedHashMap<>();
        answers.put("grpc", grpc(request, false));
        answers.put("grpc-gzip", grpc(request, true));
        System.out.println("answers to " + CONCURRENT + " concurrent gRPC calls: " + answers);
        assertThat(app.process().isAlive()).as(() -> "service alive after the calls; its last output: " + lastOutput())
                .isTrue();
        for (var e : answers.entrySet()) {
            assertThat(e.getValue().values().stream().mapToInt(Integer::intValue).sum()).as(e.getKey()).isEqualTo(CONCURRENT);
            assertThat(e.getValue().keySet()).as(e.getKey()).isSubsetOf("OK", "UNAVAILABLE", "RESOURCE_EXHAUSTED");
            // The budget admitted some and refused others, rather than all or nothing.
            assertThat(e.getValue()).as(e.getKey()).containsKeys("OK", "UNAVAILABLE");
        }
        synchronized (app.stdout) {
            // A direct-memory OutOfMemoryError is thrown by Netty's allocation, not by the VM: it
            // fails the connection and is logged, without ending the process.
            assertThat(app.stdout).as("the service's log").noneMatch(line -> line.contains("OutOfMemoryError"));
        }
        assertReady();
        // Afterwards an ordinary batch goes through: nothing of the budget leaked.
        assertThat(grpcOnce(request(64 * 1024), false)).isEqualTo("OK");
    }

    /** The service's last lines of output (the JVM reports an OutOfMemoryError there before it exits). */
    private static String lastOutput() {
        synchronized (app.stdout) {
            return String.join("\n", app.stdout.subList(Math.max(0, app.stdout.size() - 5), app.stdout.size()));
        }
    }

    private static void assertReady() throws Exception {
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort
                + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    /** A valid request of about {@code bytes}: spans with eight 40-character attributes, as instrumentations send. */
    private static ExportTraceServiceRequest request(int bytes) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        Random random = new Random(3);
        ByteString trace = randomBytes(random, 16);
        int size = 0;
        for (int i = 0; size < bytes; i++) {
            if (i % 1000 == 0) {
                trace = randomBytes(random, 16);
            }
            Span.Builder span = Span.newBuilder().setTraceId(trace).setSpanId(randomBytes(random, 8)).setName("step-" + i)
                    .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L);
            for (int k = 0; k < 8; k++) {
                span.addAttributes(KeyValue.newBuilder().setKey("app.attribute." + k)
                        .setValue(AnyValue.newBuilder().setStringValue("value-" + i + "-" + "x".repeat(32))));
            }
            Span built = span.build();
            size += built.getSerializedSize() + 4;
            scope.addSpans(built);
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build();
    }

    private static ByteString randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }

    private static Map<String, Integer> http(byte[] body, String contentType, String encoding) throws Exception {
        return http(body, contentType, encoding, "/v1/traces");
    }

    private static Map<String, Integer> http(byte[] body, String contentType, String encoding, String path) throws Exception {
        return concurrently(() -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort + path))
                    .timeout(Duration.ofSeconds(120)).header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (encoding != null) {
                b.header("Content-Encoding", encoding);
            }
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 503) {
                return r.headers().firstValue("Retry-After").isPresent() ? "503+Retry-After" : "503 without Retry-After";
            }
            return String.valueOf(r.statusCode());
        });
    }

    private static Map<String, Integer> grpc(ExportTraceServiceRequest request, boolean gzip) throws Exception {
        return concurrently(() -> grpcOnce(request, gzip));
    }

    /** One call on a connection of its own. */
    private static String grpcOnce(ExportTraceServiceRequest request, boolean gzip) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort).usePlaintext()
                .maxInboundMessageSize(1 << 20).build();
        try {
            var stub = TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            try {
                (gzip ? stub.withCompression("gzip") : stub).export(request);
                return "OK";
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode().name();
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private interface Call {
        String send() throws Exception;
    }

    /** {@value #CONCURRENT} calls released at once; the answers counted by kind. */
    private static Map<String, Integer> concurrently(Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENT);
        CountDownLatch go = new CountDownLatch(1);
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < CONCURRENT; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    String answer;
                    try {
                        answer = call.send();
                    } catch (IOException e) {
                        answer = "I/O error: " + e;
                    }
                    counts.merge(answer, 1, Integer::sum);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return new TreeMap<>(counts);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 65536)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data, boolean raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, deflater, 65536)) {
            d.write(data);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }
}

package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tracebridge.support.Requests;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Slow or stalled clients cannot hold admission (the gRPC reads, the byte budget) for ever: a
 * gRPC call that never finishes ends with its connection's age (GOAWAY, then closed after the
 * grace), and an HTTP body that trickles in, a byte at a time within the idle timeout, loses its
 * connection at the body timeout.
 */
@QuarkusTest
@TestProfile(SlowClientsTest.ShortAge.class)
class SlowClientsTest {
    public static class ShortAge implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.ingest.grpc-max-connection-age", "PT2S", "tracebridge.ingest.http-body-timeout", "PT2S");
        }
    }

    @Test
    @Timeout(60)
    void aBodyThatTricklesInLosesItsConnectionAtTheBodyTimeout() throws Exception {
        try (java.net.Socket s = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            s.setSoTimeout(15_000);
            var out = s.getOutputStream();
            out.write(("POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
                    + "Content-Length: 1000000\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            boolean closed = false;
            // One byte every 200 ms: never idle, never done.
            while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(12)) {
                try {
                    out.write(0);
                    out.flush();
                    Thread.sleep(200);
                    if (s.getInputStream().available() > 0 && s.getInputStream().read() < 0) {
                        closed = true;
                    }
                } catch (java.io.IOException e) {
                    closed = true;
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertThat(closed).as("connection closed by the server").isTrue();
            assertThat(seconds).as("at the 2 s body timeout").isBetween(1L, 8L);
        }
    }

    @Test
    @Timeout(60)
    void aCallThatNeverFinishesIsClosedWithItsConnection() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            ClientCall<ExportTraceServiceRequest, ExportTraceServiceResponse> call =
                    channel.newCall(TraceServiceGrpc.getExportMethod(), CallOptions.DEFAULT);
            CompletableFuture<Status> closed = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
            call.request(1);
            call.sendMessage(ExportTraceServiceRequest.parseFrom(Requests.protobuf(Requests.randomTraceHex())));
            // No halfClose(): the unary call waits for the end of the client's stream.
            long start = System.nanoTime();
            Status status = closed.get(20, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertThat(status.isOk()).as("the unfinished call is ended, not answered").isFalse();
            assertThat(seconds).as("after the 2 s age and its 1 s grace; status %s", status).isBetween(1L, 10L);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        // The server is fine afterwards: a normal call on a new connection succeeds.
        ManagedChannel fresh = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            ExportTraceServiceResponse r = TraceServiceGrpc.newBlockingStub(fresh).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .export(ExportTraceServiceRequest.parseFrom(Requests.protobuf(Requests.randomTraceHex())));
            assertThat(r.hasPartialSuccess()).isFalse();
        } finally {
            fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

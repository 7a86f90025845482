package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Requests;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Issue 14, point 7: a gRPC message that is not a valid protobuf used to fail in grpc-java's
 * unmarshalling, before the service, answering {@code UNKNOWN "Application error processing RPC"}
 * and logging a stack trace each time. Sent here as raw bytes over a plain grpc-java channel.
 */
@QuarkusTest
class OtlpGrpcErrorsTest {
    /** Bytes no ExportTraceServiceRequest parses from: field 1 (length-delimited) claiming 100 bytes, then 2. */
    private static final byte[] TRUNCATED = {0x0a, 0x64, 0x01, 0x02};
    /** A tag with wire type 7, which does not exist. */
    private static final byte[] BAD_WIRE_TYPE = {0x0f, 0x00};

    private static final MethodDescriptor<byte[], byte[]> RAW_EXPORT = TraceServiceGrpc.getExportMethod()
            .toBuilder(new RawMarshaller(), new RawMarshaller()).build();

    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                logged.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private ManagedChannel channel;

    @BeforeEach
    void openChannelAndCaptureLogs() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void close() throws InterruptedException {
        Logger.getLogger("").removeHandler(capture);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private byte[] export(byte[] message) {
        return ClientCalls.blockingUnaryCall(channel, RAW_EXPORT, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                message);
    }

    @Test
    void malformedMessagesAreInvalidArgumentWithoutAStackTrace() {
        for (byte[] message : List.of(TRUNCATED, BAD_WIRE_TYPE)) {
            assertThatThrownBy(() -> export(message)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).startsWith("Invalid OTLP protobuf message");
            });
        }
        List<LogRecord> records;
        synchronized (logged) {
            records = List.copyOf(logged);
        }
        // At most one line per rejected message, none with a stack trace, none above INFO.
        assertThat(records).allSatisfy(r -> {
            assertThat(r.getThrown()).as("stack trace logged by %s: %s", r.getLoggerName(), r.getMessage()).isNull();
            assertThat(r.getLevel().intValue()).as("level of %s", r.getMessage()).isLessThanOrEqualTo(Level.INFO.intValue());
            assertThat(String.valueOf(r.getMessage())).doesNotContain("\n");
        });
        assertThat(records.size()).isLessThanOrEqualTo(2);
    }

    @Test
    void aValidMessageSentAsRawBytesIsStillStored() throws Exception {
        byte[] answer = export(Requests.protobuf(Requests.randomTraceHex()));
        assertThat(ExportTraceServiceResponse.parseFrom(answer).hasPartialSuccess()).isFalse();
    }

    /** Sends and receives messages as they are on the wire. */
    private static final class RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

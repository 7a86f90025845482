package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The OTLP/gRPC admission without a server: the Export marshaller charges the byte budget before
 * (uncompressed) and while (compressed) it parses, and every path gives the reservation back; the
 * read gate refuses a call before its message is requested and gives its read back however the
 * call ends.
 */
class GrpcAdmissionTest {
    private static final int COST = OtlpGrpcService.COST_PER_BYTE;

    private static GrpcExportRequest.Marshaller marshaller(ByteBudget budget, int maxMessageBytes) {
        return new GrpcExportRequest.Marshaller(TraceServiceGrpc.getExportMethod().getRequestMarshaller(), () -> budget,
                maxMessageBytes, COST);
    }

    /** What grpc-java hands an uncompressed message as: the buffered frame, its length known. */
    private static InputStream frame(byte[] bytes) {
        return new KnownLengthStream(bytes);
    }

    /** What grpc-java hands a compressed message as: inflated while read, its length unknown. */
    private static InputStream inflating(byte[] bytes) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(bytes);
        }
        return new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray()));
    }

    @Test
    void anUncompressedMessageIsChargedBeforeItIsParsedAndTheServiceTakesTheReservation() {
        byte[] body = ByteBudgetTest.Requests.protobufOfSize(1 << 20);
        ByteBudget budget = new ByteBudget(64L << 20);
        GrpcExportRequest parsed = marshaller(budget, 16 << 20).parse(frame(body));
        assertThat(parsed.failure()).isNull();
        assertThat(parsed.request().getSerializedSize()).isEqualTo(body.length);
        assertThat(budget.used()).isEqualTo((long) COST * body.length);
        ByteBudget.Reservation taken = parsed.claim();
        assertThat(taken).isNotNull();
        parsed.releaseUnclaimed(); // the call ends while the ingest path still holds it
        assertThat(budget.used()).isEqualTo((long) COST * body.length);
        taken.close();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aMessageOverTheBudgetIsRefusedUnreadAsRetryableOrAsTooLarge() {
        byte[] body = ByteBudgetTest.Requests.protobufOfSize(1 << 20);
        ByteBudget budget = new ByteBudget((long) COST * body.length + 10);
        ByteBudget.Reservation other = budget.open();
        other.add(100);
        KnownLengthStream stream = new KnownLengthStream(body);
        GrpcExportRequest refused = marshaller(budget, 16 << 20).parse(stream);
        assertThat(refused.failure().kind()).isEqualTo(OtlpException.Kind.UNAVAILABLE);
        assertThat(stream.available()).as("not read").isEqualTo(body.length);
        assertThat(budget.used()).isEqualTo(100);
        other.close();

        GrpcExportRequest tooLarge = marshaller(new ByteBudget(1000), 16 << 20).parse(frame(body));
        assertThat(tooLarge.failure().kind()).isEqualTo(OtlpException.Kind.TOO_LARGE);
        assertThat(OtlpGrpcService.status(tooLarge.failure()).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void aCompressedMessageIsChargedAsItInflatesAndStopsAtTheLimit() throws Exception {
        byte[] body = ByteBudgetTest.Requests.protobufOfSize(3 << 20);
        ByteBudget budget = new ByteBudget(64L << 20);
        GrpcExportRequest parsed = marshaller(budget, 16 << 20).parse(inflating(body));
        assertThat(parsed.failure()).isNull();
        assertThat(parsed.request().getSerializedSize()).isEqualTo(body.length);
        assertThat(budget.used()).as("charged ahead in steps, then trimmed to the message").isEqualTo((long) COST * body.length);
        parsed.claim().close();
        assertThat(budget.used()).isZero();

        // The budget runs out half-way through inflating: refused, nothing held.
        ByteBudget small = new ByteBudget((long) COST * (2 << 20));
        GrpcExportRequest refused = marshaller(small, 16 << 20).parse(inflating(body));
        assertThat(refused.failure().kind()).isEqualTo(OtlpException.Kind.TOO_LARGE);
        assertThat(small.used()).isZero();
        // Other requests leave room for two of the three MiB: refused as retryable after two steps.
        ByteBudget.Reservation other = budget.open();
        other.add(budget.max() - (long) COST * (2 << 20));
        GrpcExportRequest busy = marshaller(budget, 16 << 20).parse(inflating(body));
        assertThat(busy.failure().kind()).isEqualTo(OtlpException.Kind.UNAVAILABLE);
        assertThat(busy.held()).isZero();
        other.close();
        assertThat(budget.used()).isZero();

        // Inflating past the inbound message size: too large, whatever the budget.
        GrpcExportRequest bomb = marshaller(budget, 1 << 20).parse(inflating(new byte[4 << 20]));
        assertThat(bomb.failure().kind()).isEqualTo(OtlpException.Kind.TOO_LARGE);
        assertThat(budget.used()).isZero();
    }

    @Test
    void malformedMessagesAreBadRequests() throws Exception {
        ByteBudget budget = new ByteBudget(64L << 20);
        for (InputStream s : List.of(frame(new byte[] {0x0a, 0x64, 0x01, 0x02}), inflating(new byte[] {0x0f, 0x00}))) {
            GrpcExportRequest bad = marshaller(budget, 1 << 20).parse(s);
            assertThat(bad.failure().kind()).isEqualTo(OtlpException.Kind.BAD_REQUEST);
            assertThat(bad.failure().getMessage()).startsWith("Invalid OTLP protobuf message");
            bad.claim().close();
        }
        GrpcExportRequest corrupt = marshaller(budget, 1 << 20).parse(new GZIPInputStream(new ByteArrayInputStream(
                new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5})));
        assertThat(corrupt.failure().kind()).isEqualTo(OtlpException.Kind.BAD_REQUEST);
        corrupt.claim().close();
        assertThat(budget.used()).isZero();
    }

    @Test
    void theEndOfTheCallGivesBackAReservationTheServiceNeverTook() throws Exception {
        byte[] body = ByteBudgetTest.Requests.protobufOfSize(1 << 20);
        ByteBudget budget = new ByteBudget(64L << 20);
        Context.CancellableContext call = Context.current().withCancellation();
        GrpcExportRequest parsed = call.call(() -> marshaller(budget, 16 << 20).parse(frame(body)));
        assertThat(budget.used()).isPositive();
        call.cancel(null); // cancelled, deadline, or completed without the handler: grpc-java cancels the context
        assertThat(budget.used()).isZero();
        assertThat(parsed.claim()).as("too late for the service").isNull();

        // Parsed in a call that has already ended: given back at once.
        Context.CancellableContext ended = Context.current().withCancellation();
        ended.cancel(null);
        ended.call(() -> marshaller(budget, 16 << 20).parse(frame(body)));
        assertThat(budget.used()).isZero();
    }

    @Test
    void theReadGateRefusesBeforeRequestingAndGivesTheReadBackHoweverTheCallEnds() throws Exception {
        GrpcReadGate gate = new GrpcReadGate(2);
        List<OtlpException> refusals = new ArrayList<>();
        AtomicInteger started = new AtomicInteger();
        ServerCallHandler<String, String> unary = (call, headers) -> {
            started.incrementAndGet();
            call.request(2);
            return new ServerCall.Listener<>() { };
        };
        ServerCallHandler<String, String> gated = gate.wrap(unary, refusals::add);

        FakeCall a = new FakeCall();
        ServerCall.Listener<String> la = gated.startCall(a, new Metadata());
        Context.CancellableContext bContext = Context.current().withCancellation();
        FakeCall b = new FakeCall();
        ServerCall.Listener<String> lb = bContext.call(() -> gated.startCall(b, new Metadata()));
        assertThat(gate.available()).isZero();
        assertThat(a.requested).isEqualTo(2);

        FakeCall c = new FakeCall();
        gated.startCall(c, new Metadata());
        assertThat(c.closed.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(c.requested).as("its message is never read").isZero();
        assertThat(started).hasValue(2);
        assertThat(refusals).hasSize(1);

        la.onHalfClose(); // the message is in: the read is given back
        assertThat(gate.available()).isEqualTo(1);
        la.onComplete();
        assertThat(gate.available()).isEqualTo(1);
        bContext.cancel(null); // the call ended without any listener callback reaching the handler
        assertThat(gate.available()).isEqualTo(2);
        lb.onCancel();
        assertThat(gate.available()).isEqualTo(2);
    }

    @Test
    void defaultReadsAreHalfTheDirectMemoryInMaximumFrames() {
        assertThat(GrpcReadGate.defaultPermits(384L << 20, 16 << 20)).isEqualTo(12);
        assertThat(GrpcReadGate.defaultPermits(16L << 20, 16 << 20)).isEqualTo(2);
    }

    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }

    private static final class FakeCall extends ServerCall<String, String> {
        int requested;
        Status closed;

        @Override
        public void request(int numMessages) {
            requested += numMessages;
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closed = status;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return null;
        }
    }
}

package io.tracebridge.ingest;

import io.tracebridge.errors.OtlpEncoding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.zip.GZIPOutputStream;

/** The byte budget and the decoder's charging of it while it inflates. */
class ByteBudgetTest {

    @Test
    void refusesBeyondTheBudgetAndGivesBackOnClose() {
        ByteBudget budget = new ByteBudget(100);
        ByteBudget.Reservation a = budget.open();
        a.add(60);
        ByteBudget.Reservation b = budget.open();
        assertThatThrownBy(() -> b.add(50)).isInstanceOfSatisfying(OtlpException.class,
                e -> assertThat(e.kind()).isEqualTo(OtlpException.Kind.UNAVAILABLE));
        assertThatThrownBy(() -> b.add(101)).isInstanceOfSatisfying(OtlpException.class,
                e -> assertThat(e.kind()).isEqualTo(OtlpException.Kind.TOO_LARGE));
        a.close();
        a.close();
        assertThat(budget.used()).isZero();
        b.add(100);
        assertThat(budget.used()).isEqualTo(100);
        b.close();
        assertThat(budget.used()).isZero();
        assertThatThrownBy(() -> b.add(1)).isInstanceOf(OtlpException.class);
        assertThat(budget.used()).isZero();
    }

    @Test
    void decodingChargesTheDecompressedBytesAsTheyStream() throws Exception {
        byte[] body = Requests.protobufOfSize(3 << 20);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(body);
        }
        OtlpDecoder decoder = new OtlpDecoder(16 << 20);
        // Enough for 3 MiB decompressed at the protobuf cost: decoded, and charged.
        ByteBudget roomy = new ByteBudget(64L << 20);
        try (ByteBudget.Reservation r = roomy.open()) {
            assertThat(decoder.decode(gz.toByteArray(), OtlpEncoding.PROTOBUF, "gzip", r).getSerializedSize()).isEqualTo(body.length);
            assertThat(r.held()).isGreaterThanOrEqualTo((long) body.length * OtlpDecoder.PROTOBUF_COST_PER_BYTE);
        }
        assertThat(roomy.used()).isZero();
        // Half of it taken by another request: this one is refused as retryable mid-stream.
        ByteBudget busy = new ByteBudget(32L << 20);
        busy.open().add(16L << 20);
        try (ByteBudget.Reservation r = busy.open()) {
            assertThatThrownBy(() -> decoder.decode(gz.toByteArray(), OtlpEncoding.PROTOBUF, "gzip", r))
                    .isInstanceOfSatisfying(OtlpException.class, e -> assertThat(e.kind()).isEqualTo(OtlpException.Kind.UNAVAILABLE));
        }
        assertThat(busy.used()).isEqualTo(16L << 20);
    }

    @Test
    void aCostTakenAheadServesTheLaterChargesBeforeMoreIsTaken() {
        ByteBudget budget = new ByteBudget(100);
        ByteBudget.Reservation r = budget.open();
        r.addAhead(60);
        assertThat(budget.used()).isEqualTo(60);
        r.add(40);
        assertThat(budget.used()).as("served from what was taken ahead").isEqualTo(60);
        r.add(30);
        assertThat(budget.used()).as("20 left ahead, 10 taken").isEqualTo(70);
        // Two ahead-takings add up; neither uses the other's.
        ByteBudget.Reservation other = budget.open();
        assertThatThrownBy(() -> other.addAhead(31)).isInstanceOfSatisfying(OtlpException.class,
                e -> assertThat(e.kind()).isEqualTo(OtlpException.Kind.UNAVAILABLE));
        r.close();
        assertThat(budget.used()).isZero();
        other.addAhead(10);
        other.addAhead(10);
        other.add(20);
        assertThat(budget.used()).isEqualTo(20);
        other.close();
        assertThat(budget.used()).isZero();
    }

    /**
     * An identity body taken ahead at its decoding cost (as {@code OtlpHttpAdmission} does) is
     * decoded without taking more: a budget of exactly that much suffices. Rounding the charge up
     * to a whole step would need more, and a request admitted with its whole cost could still be
     * refused half-way.
     */
    @Test
    void anIdentityBodyTakenAheadIsDecodedWithinWhatWasTaken() {
        byte[] body = Requests.protobufOfSize((3 << 20) + 12345);
        long cost = (long) body.length * OtlpDecoder.PROTOBUF_COST_PER_BYTE;
        ByteBudget exact = new ByteBudget(cost);
        try (ByteBudget.Reservation r = exact.open()) {
            r.addAhead(cost);
            assertThat(new OtlpDecoder(16 << 20).decode(body, OtlpEncoding.PROTOBUF, null, r).getSerializedSize())
                    .isEqualTo(body.length);
            assertThat(r.held()).isEqualTo(cost);
        }
        assertThat(exact.used()).isZero();
    }

    /** Test helper: a valid request of about {@code bytes}. */
    static final class Requests {
        static byte[] protobufOfSize(int bytes) {
            var scope = io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder();
            int size = 0;
            for (int i = 0; size < bytes; i++) {
                var span = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                        .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16]))
                        .setSpanId(com.google.protobuf.ByteString.copyFromUtf8(String.format("%08d", i)))
                        .setName("span-" + i).build();
                size += span.getSerializedSize() + 3;
                scope.addSpans(span);
            }
            return io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
                    .addResourceSpans(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder().addScopeSpans(scope))
                    .build().toByteArray();
        }
    }
}

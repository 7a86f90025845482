package io.tracebridge.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Context;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * An OTLP/gRPC Export message as it came off the wire: the parsed request and its share of the
 * {@link ByteBudget}, or why it could not be parsed or admitted.
 *
 * <p>grpc-java parses a request in the call machinery ({@code ServerCallImpl}, on the call's
 * executor), before any interceptor or service code sees it. So this marshaller is where OTLP/gRPC
 * is admitted by bytes, <em>before and while</em> parsing, like an OTLP/HTTP body:
 * <ul>
 *   <li>an uncompressed message arrives as a {@link KnownLength} stream over the buffered frame:
 *       {@link OtlpGrpcService#COST_PER_BYTE} × its size is reserved before a byte is read, and a
 *       refused message is never parsed;</li>
 *   <li>a compressed message arrives as grpc-java's inflating stream, which decompresses lazily
 *       while protobuf reads it: a {@link BudgetedInputStream} charges the reservation ahead of
 *       the inflated bytes in 1 MiB steps and stops at the inbound message size; once parsed,
 *       the reservation shrinks to the message's cost, so a small compressed batch does not keep
 *       a whole step for the rest of its request.</li>
 * </ul>
 * The marshaller never throws (grpc-java would answer {@code UNKNOWN "Application error
 * processing RPC"} and log a stack trace): a malformed message becomes {@code INVALID_ARGUMENT},
 * a refused one {@code UNAVAILABLE} (or {@code RESOURCE_EXHAUSTED} when it could never fit), both
 * answered by the service.
 *
 * <p>The reservation belongs to whoever takes it first: the service ({@link #claim()}, then the
 * ingest path closes it when the request ends), or the end of the call. The parse runs in the
 * call's own {@link Context} (grpc-java's per-call {@code CancellableContext}, which it cancels
 * when the call completes or is cancelled, after {@code onComplete} / {@code onCancel}), so a
 * reservation the service never claimed (the client cancelled or the deadline passed before the
 * handler ran, a second message on a unary call, an interceptor that closed the call) is given
 * back then: no path leaks budget.
 */
final class GrpcExportRequest {
    private final ExportTraceServiceRequest request;
    private final OtlpException failure;
    private final ByteBudget.Reservation reservation;
    private final AtomicBoolean taken = new AtomicBoolean();

    GrpcExportRequest(ExportTraceServiceRequest request, OtlpException failure, ByteBudget.Reservation reservation) {
        this.request = request;
        this.failure = failure;
        this.reservation = reservation;
    }

    /** Only for the client side, which never sends through a parsed value's budget. */
    static GrpcExportRequest of(ExportTraceServiceRequest request) {
        return new GrpcExportRequest(request, null, null);
    }

    ExportTraceServiceRequest request() {
        return request;
    }

    /** Why the message cannot be ingested (malformed, refused by the budget, too large), or null. */
    OtlpException failure() {
        return failure;
    }

    /** The request, or the {@link OtlpException} of a message that could not be parsed. */
    ExportTraceServiceRequest requireValid() {
        if (failure != null) {
            throw failure;
        }
        return request;
    }

    /**
     * Takes over the message's reservation, which the caller must close.
     *
     * @return null when the call ended before (its reservation is already given back)
     */
    ByteBudget.Reservation claim() {
        return taken.compareAndSet(false, true) ? reservation : null;
    }

    /** Gives the reservation back unless the service took it. */
    void releaseUnclaimed() {
        if (taken.compareAndSet(false, true) && reservation != null) {
            reservation.close();
        }
    }

    /** Bytes the message holds in the budget (for tests and logs). */
    long held() {
        return reservation == null ? 0 : reservation.held();
    }

    /** Parses Export messages within the byte budget; its failures become a value. */
    static final class Marshaller implements MethodDescriptor.Marshaller<GrpcExportRequest> {
        private final MethodDescriptor.Marshaller<ExportTraceServiceRequest> protobuf;
        private final Supplier<ByteBudget> budget;
        private final int maxMessageBytes;
        private final long costPerByte;

        /**
         * @param protobuf        the generated marshaller, for the client side ({@link #stream})
         * @param maxMessageBytes grpc-java's inbound message limit, applied to the inflated size
         * @param costPerByte     heap reserved per serialized byte
         */
        Marshaller(MethodDescriptor.Marshaller<ExportTraceServiceRequest> protobuf, Supplier<ByteBudget> budget,
                   int maxMessageBytes, long costPerByte) {
            this.protobuf = protobuf;
            this.budget = budget;
            this.maxMessageBytes = maxMessageBytes;
            this.costPerByte = costPerByte;
        }

        @Override
        public InputStream stream(GrpcExportRequest value) {
            return protobuf.stream(value.request());
        }

        @Override
        public GrpcExportRequest parse(InputStream stream) {
            ByteBudget.Reservation reservation = budget.get().open();
            GrpcExportRequest parsed;
            try {
                parsed = new GrpcExportRequest(parse(stream, reservation), null, reservation);
            } catch (OtlpException e) {
                reservation.close();
                parsed = new GrpcExportRequest(null, e, reservation);
            }
            GrpcExportRequest result = parsed;
            // The call's context: cancelled by grpc-java when the call ends, whatever ended it
            // (immediately, when it already has). ROOT outside a call: nothing to listen to.
            Context.current().addListener(context -> result.releaseUnclaimed(), Runnable::run);
            return result;
        }

        private ExportTraceServiceRequest parse(InputStream stream, ByteBudget.Reservation reservation) {
            try {
                if (stream instanceof KnownLength) {
                    // The whole frame, as buffered by the transport: admit it before reading it.
                    int size = stream.available();
                    reservation.add(costPerByte * size);
                    if (size == 0) {
                        return ExportTraceServiceRequest.getDefaultInstance();
                    }
                    byte[] bytes = stream.readNBytes(size);
                    CodedInputStream in = CodedInputStream.newInstance(bytes);
                    in.setSizeLimit(Integer.MAX_VALUE);
                    ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in);
                    if (stream.read() != -1) { // a KnownLength stream that was not what it said
                        throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP protobuf message: length mismatch");
                    }
                    return request;
                }
            } catch (IOException e) {
                throw invalid(e);
            } catch (StatusRuntimeException e) {
                throw fromStatus(e);
            }
            // A compressed message: inflated while it is parsed, charged as it inflates.
            BudgetedInputStream in = new BudgetedInputStream(stream, maxMessageBytes, costPerByte, reservation);
            try {
                CodedInputStream coded = CodedInputStream.newInstance(in, 64 * 1024);
                coded.setSizeLimit(Integer.MAX_VALUE);
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(coded);
                // Charged ahead in steps: keep what the message costs, not the whole last step.
                reservation.shrinkTo(costPerByte * in.count());
                return request;
            } catch (IOException | RuntimeException e) {
                // Protobuf wraps what the stream throws; answer with the stream's own failure.
                if (in.failure() == null) {
                    in.drainToLimit(); // over the limit is RESOURCE_EXHAUSTED even when undecodable early
                }
                Exception cause = in.failure() != null ? in.failure() : e;
                if (cause instanceof OtlpException o) {
                    throw o;
                }
                if (cause instanceof StatusRuntimeException s) {
                    throw fromStatus(s);
                }
                if (cause instanceof InvalidProtocolBufferException p) {
                    throw invalid(p);
                }
                if (cause instanceof IOException io) {
                    throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Corrupt compressed OTLP message: " + io.getMessage());
                }
                throw (RuntimeException) cause;
            }
        }

        private static OtlpException invalid(IOException e) {
            return new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP protobuf message: " + e.getMessage());
        }

        /** grpc-java's own stream failures: the inflated size over the inbound limit, a corrupt frame. */
        private OtlpException fromStatus(StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                return OtlpDecoder.tooLarge(maxMessageBytes);
            }
            String why = e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage() : e.getStatus().getDescription();
            return new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP protobuf message: " + why);
        }
    }
}

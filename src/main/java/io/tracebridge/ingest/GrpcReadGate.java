package io.tracebridge.ingest;

import io.tracebridge.errors.Failure;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Bounds the OTLP/gRPC messages being <em>received</em> at once, which the byte budget cannot see.
 *
 * <p>grpc-java buffers a message's whole frame (up to the inbound message size, 16 MiB by default)
 * in Netty direct buffers before the marshaller can look at it; 24 concurrent 15 MiB calls
 * exhausted the direct memory (which defaults to the heap size) before a single one was parsed.
 * grpc-java only reads a call's frames, and only returns HTTP/2 flow-control window for them,
 * once the application has requested a message: until then a client can send no more than the
 * stream's flow-control window (1 MiB initially; grpc-java's automatic flow control may grow it
 * to 8 MiB per connection). {@code ServerCalls.asyncUnaryCall} requests its messages
 * ({@code call.request(2)}) in {@code startCall}. So this gate wraps the Export handler: a call
 * takes one of {@link #permits()} reads <em>before</em> the handler starts (and requests), and a
 * call that finds none is answered {@code UNAVAILABLE} (retryable) at once, without its message
 * ever being read. Failing fast rather than waiting matters: a waiting call would keep its
 * unread bytes in the connection's shared flow-control window and could stall the admitted calls
 * on the same connection.
 *
 * <p>A read is given back when the client half-closes (its message has been received and parsed
 * by then: grpc-java delivers the message, then the half-close), or when the call ends in any
 * other way (cancel, deadline, error: the call's context is cancelled). So a read is held only
 * while a message is on its way in: a small batch holds it for the time its few frames take,
 * and normal traffic is not throttled by it; the heap the parsed messages take is the byte
 * budget's concern ({@link GrpcExportRequest}). Each read may buffer up to the inbound message
 * size, so {@link #defaultPermits} sizes the reads from the direct memory.
 */
final class GrpcReadGate {
    private final Semaphore reads;
    private final int permits;

    GrpcReadGate(int permits) {
        if (permits <= 0) {
            throw new IllegalArgumentException("gRPC reads must be positive: " + permits);
        }
        this.permits = permits;
        this.reads = new Semaphore(permits);
    }

    /**
     * Half of the direct memory in frames of the maximum size: 12 at {@code -Xmx384m} with the
     * 16 MiB default limit (the direct memory limit defaults to the heap size); at least 2.
     */
    static int defaultPermits(long maxDirectMemory, int maxMessageBytes) {
        return (int) Math.max(2, Math.min(1024, maxDirectMemory / 2 / Math.max(1, maxMessageBytes)));
    }

    int permits() {
        return permits;
    }

    int available() {
        return reads.availablePermits();
    }

    /**
     * @param refused told of each call refused (for the request metric)
     */
    <Q, A> ServerCallHandler<Q, A> wrap(ServerCallHandler<Q, A> next, Consumer<OtlpException> refused) {
        return (call, headers) -> {
            if (!reads.tryAcquire()) {
                OtlpException e = new OtlpException(OtlpException.Kind.UNAVAILABLE,
                        "Tracebridge is receiving its maximum of OTLP/gRPC messages at once; retry later");
                refused.accept(e);
                call.close(Failure.UNAVAILABLE.grpcStatus(e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            AtomicBoolean held = new AtomicBoolean(true);
            Runnable release = () -> {
                if (held.compareAndSet(true, false)) {
                    reads.release();
                }
            };
            // A descendant of the call's CancellableContext: fires when the call ends, however.
            Context.current().addListener(context -> release.run(), Runnable::run);
            ServerCall.Listener<Q> listener;
            try {
                listener = next.startCall(call, headers);
            } catch (RuntimeException e) {
                release.run();
                throw e;
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onHalfClose() {
                    release.run();
                    super.onHalfClose();
                }

                @Override
                public void onCancel() {
                    release.run();
                    super.onCancel();
                }

                @Override
                public void onComplete() {
                    release.run();
                    super.onComplete();
                }
            };
        };
    }
}

package io.tracebridge.ingest;

import io.grpc.netty.NettyServerBuilder;
import io.vertx.grpc.VertxServerBuilder;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.tracebridge.ops.TracebridgeConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long an OTLP/gRPC connection, and so any call on it, may live
 * ({@code TRACEBRIDGE_GRPC_MAX_CONNECTION_AGE}, 5 minutes): then the server asks the client to
 * reconnect (HTTP/2 GOAWAY; exporters do so transparently), and after a grace of a fifth of that
 * the connection is closed, which cancels what is still open on it. Without it a client could
 * hold one of {@link GrpcReadGate}'s reads (and the budget its message was charged) for ever by
 * never finishing a message while keeping the connection alive with pings. grpc-java has no
 * server-side per-call deadline; the connection age is its mechanism for this.
 */
@ApplicationScoped
public class GrpcConnectionAge implements ServerBuilderCustomizer<VertxServerBuilder> {
    private final Duration maxAge;

    public GrpcConnectionAge(TracebridgeConfig config) {
        this.maxAge = config.ingest().grpcMaxConnectionAge();
    }

    @Override
    public void customize(GrpcServerConfiguration config, VertxServerBuilder builder) {
        long ms = Math.max(1, maxAge.toMillis());
        // The separate gRPC server is Vert.x's wrapper around grpc-java's Netty server.
        NettyServerBuilder netty = builder.nettyBuilder();
        netty.maxConnectionAge(ms, TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(Math.max(1000, ms / 5), TimeUnit.MILLISECONDS);
    }
}

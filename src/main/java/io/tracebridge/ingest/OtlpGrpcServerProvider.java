package io.tracebridge.ingest;

import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.quarkus.grpc.runtime.config.GrpcClientConfiguration;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.quarkus.grpc.spi.GrpcBuilderProvider;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownContext;
import io.vertx.core.Vertx;
import io.vertx.grpc.VertxServerBuilder;

import java.util.List;
import java.util.Map;

/**
 * Declares Tracebridge's OTLP/gRPC server on a port of its own (4317) to Quarkus, through the gRPC
 * extension's server-builder SPI ({@code io.quarkus.grpc.spi.GrpcBuilderProvider}, registered in
 * {@code META-INF/services}), so that Quarkus builds and runs the same server as before without
 * logging, at every start, that the separate server is "legacy support".
 *
 * <p>Why a separate server at all: OTLP/gRPC belongs on 4317, where every exporter's default
 * points, and Quarkus's unified server would serve gRPC only on the HTTP port, over HTTP/2
 * cleartext, which {@link NoCleartextHttp2} turns off there so that every HTTP body is charged to
 * the byte budget before it is read. The separate server is grpc-java's Netty server on Vert.x's
 * event loops ({@link VertxServerBuilder}), which gives the connection age limit
 * ({@link GrpcConnectionAge}), the read gate ({@link GrpcReadGate}) and a graceful shutdown that
 * lets calls in flight finish.
 *
 * <p>What this provider does is exactly what Quarkus does for its built-in separate server: the
 * builder for the configured host and port ({@code quarkus.grpc.server.test-port} under tests),
 * in plain text, as the Kubernetes manifests serve it (TLS ends at the ingress). With TLS
 * configured ({@code quarkus.grpc.server.ssl.*} or {@code plain-text=false}) the provider steps
 * aside and Quarkus's built-in separate server applies it (and logs its notice). Everything else
 * (services, interceptors, customizers such as {@link GrpcConnectionAge}, the message size limits,
 * start and graceful stop in Quarkus's gRPC verticle) stays Quarkus's. In dev mode the provider
 * steps aside, because Quarkus's live reload of the separate server needs its own server there
 * (dev mode then logs the notice once), so this provider's dev-mode methods never run; the SPI
 * requires them. One difference: with a provider, Quarkus does not apply its Netty keep-alive
 * settings ({@code quarkus.grpc.server.netty.*}); Tracebridge sets none, and bounds connections
 * with {@link GrpcConnectionAge} instead. The SPI is marked experimental by Quarkus:
 * {@code PackagedAppIT} and {@code ContainerImageIT} fail on any WARN at start-up, so a Quarkus
 * upgrade that stops using this provider shows at once.
 */
public final class OtlpGrpcServerProvider implements GrpcBuilderProvider<VertxServerBuilder> {

    @Override
    public boolean providesServer(GrpcServerConfiguration configuration) {
        return configuration.useSeparateServer()
                && LaunchMode.current() != LaunchMode.DEVELOPMENT
                && configuration.isPlainTextEnabled()
                && !configuration.xds().enabled()
                && !configuration.inProcess().enabled();
    }

    @Override
    public ServerBuilder<VertxServerBuilder> createServerBuilder(Vertx vertx, GrpcServerConfiguration configuration,
                                                                 LaunchMode launchMode) {
        int port = launchMode == LaunchMode.TEST ? configuration.testPort() : configuration.port();
        return VertxServerBuilder.forAddress(vertx, configuration.host(), port);
    }

    @Override
    public void startServer(Server server) throws Exception {
        // Only called in dev mode, where providesServer declines; Quarkus's verticle starts it otherwise.
        server.start();
    }

    @Override
    public void postStartup(Server server, ShutdownContext shutdown) {
        shutdown.addShutdownTask(server::shutdown);
    }

    @Override
    public void devModeReload(List<ServerServiceDefinition> servicesWithInterceptors,
                              Map<String, ServerMethodDefinition<?, ?>> methods,
                              List<ServerInterceptor> globalInterceptors, ShutdownContext shutdown) {
        throw new UnsupportedOperationException("Tracebridge's gRPC server provider is not used in dev mode");
    }

    @Override
    public boolean serverAlreadyExists() {
        return false;
    }

    @Override
    public String serverInfo(String host, int port, GrpcServerConfiguration configuration) {
        return String.format("gRPC server on %s:%d [TLS enabled: false]", host, port);
    }

    @Override
    public boolean providesChannel(GrpcClientConfiguration configuration) {
        return false;
    }

    @Override
    public String resolver() {
        return "dns";
    }

    @Override
    public ManagedChannelBuilder<?> createChannelBuilder(GrpcClientConfiguration configuration, String target) {
        throw new UnsupportedOperationException("Tracebridge's gRPC provider builds no client channels");
    }

    @Override
    public String channelInfo(GrpcClientConfiguration configuration) {
        return "";
    }
}

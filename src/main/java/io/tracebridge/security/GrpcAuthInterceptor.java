package io.tracebridge.security;

import io.tracebridge.errors.Failure;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Authenticates OTLP/gRPC calls from the {@code authorization} metadata entry (what the OTel
 * exporters send for {@code OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer ...}): missing or
 * unknown token → UNAUTHENTICATED, a read-only token → PERMISSION_DENIED. The gRPC health
 * service stays open, like {@code /q/health}.
 */
@ApplicationScoped
@GlobalInterceptor
public class GrpcAuthInterceptor implements ServerInterceptor {
    public static final Context.Key<ApiToken> CALLER = Context.key("tracebridge-caller");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final TokenRegistry registry;

    public GrpcAuthInterceptor(TokenRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (call.getMethodDescriptor().getServiceName().equals("grpc.health.v1.Health")) {
            return next.startCall(call, headers);
        }
        if (!registry.enabled()) {
            // Always a caller in the context: the service refuses a call without one (fails closed).
            return Contexts.interceptCall(Context.current().withValue(CALLER, ApiToken.ANONYMOUS_ADMIN), call, headers, next);
        }
        Optional<ApiToken> token = registry.authenticate(headers.get(AUTHORIZATION));
        if (token.isEmpty()) {
            call.close(Failure.UNAUTHENTICATED.grpcStatus(
                    "Missing or unknown API token; send the metadata 'authorization: Bearer <token>'"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (!token.get().scope().includes(Scope.WRITE)) {
            call.close(Failure.PERMISSION_DENIED.grpcStatus("Token '" + token.get().name()
                    + "' may not ingest; it needs scope write"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, token.get()), call, headers, next);
    }
}

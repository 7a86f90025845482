package io.tracebridge.ingest;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/** Copies the {@code x-mlflow-experiment-id} gRPC metadata entry into the call's context. */
@ApplicationScoped
@GlobalInterceptor
public class ExperimentHeaderInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> HEADER =
            Metadata.Key.of(OtlpHttpResource.EXPERIMENT_HEADER, Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> EXPERIMENT_ID = Context.key("tracebridge-experiment-id");

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Context ctx = Context.current().withValue(EXPERIMENT_ID, headers.get(HEADER));
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}

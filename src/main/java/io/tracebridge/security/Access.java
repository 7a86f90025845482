package io.tracebridge.security;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.TraceStore;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The caller of the current REST request, as {@link HttpAuthFilter} authenticated it, and the
 * experiment checks the resources make with it. Call {@link #caller()} on the request's thread,
 * before the first asynchronous step.
 */
@ApplicationScoped
public class Access {
    private final CurrentVertxRequest request;
    private final TokenRegistry registry;
    private final TraceStore traces;

    public Access(CurrentVertxRequest request, TokenRegistry registry, TraceStore traces) {
        this.request = request;
        this.registry = registry;
        this.traces = traces;
    }

    public ApiToken caller() {
        if (!registry.enabled()) {
            return ApiToken.ANONYMOUS_ADMIN;
        }
        RoutingContext ctx = request.getCurrent();
        ApiToken token = ctx == null ? null : ctx.get(HttpAuthFilter.CALLER_KEY);
        if (token == null) {
            // Unreachable through the filter; refuse rather than guess.
            throw new MlflowException(ErrorCode.UNAUTHENTICATED, "Authentication required");
        }
        return token;
    }

    /**
     * Completes when the caller may touch this trace. Unknown traces pass, so that the resource
     * answers its usual 404; a restricted token costs one primary-key lookup.
     */
    public Uni<ApiToken> trace(String traceId) {
        ApiToken caller = caller();
        if (!caller.restricted() || traceId == null) {
            return Uni.createFrom().item(caller);
        }
        return traces.experimentOf(traceId).map(experimentId -> {
            if (experimentId != null && !caller.mayAccess(experimentId)) {
                throw caller.denied("trace " + traceId);
            }
            return caller;
        });
    }
}

package io.tracebridge.security;

import io.quarkus.arc.Arc;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.TraceStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ResourceInfo;

/**
 * The caller of the current REST request, as Quarkus Security authenticated it
 * ({@link BearerTokenMechanism}, {@link TokenIdentityProvider}), and the experiment checks the
 * resources make with it. The role a request needs is checked before the resource method runs
 * ({@code @RolesAllowed}); this class adds what a role cannot say: which experiments a token may
 * touch. Call {@link #caller()} on the request's thread, before the first asynchronous step.
 */
@ApplicationScoped
public class Access {
    private final SecurityIdentity identity;
    private final TokenRegistry registry;
    private final TraceStore traces;

    public Access(SecurityIdentity identity, TokenRegistry registry, TraceStore traces) {
        this.identity = identity;
        this.registry = registry;
        this.traces = traces;
    }

    public ApiToken caller() {
        if (!registry.enabled()) {
            return ApiToken.ANONYMOUS_ADMIN;
        }
        ApiToken token = identity.isAnonymous() ? null : identity.getAttribute(TokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null) {
            // Unreachable behind @RolesAllowed; refuse rather than guess.
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

    /**
     * "Token 'name' has scope read; this request needs write": the message of a 403 for a caller
     * whose token lacks the role the matched resource method declares ({@code @RolesAllowed}).
     */
    public static String forbiddenMessage(ResourceInfo resource) {
        String needed = "a larger scope";
        RolesAllowed roles = resource == null || resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RolesAllowed.class);
        if (roles != null && roles.value().length > 0) {
            needed = roles.value()[0];
        }
        SecurityIdentity identity = Arc.container().instance(SecurityIdentity.class).get();
        ApiToken token = identity == null ? null : identity.getAttribute(TokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null) {
            return "This request needs scope " + needed;
        }
        return "Token '" + token.name() + "' has scope " + token.scope().role() + "; this request needs " + needed;
    }
}

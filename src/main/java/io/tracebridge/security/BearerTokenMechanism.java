package io.tracebridge.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.tracebridge.errors.ErrorBodies;
import io.tracebridge.errors.Failure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.Set;

/**
 * Quarkus Security's HTTP mechanism for Tracebridge's bearer tokens ({@code Authorization: Bearer
 * <token>}). It only authenticates: which role a request needs is declared on the resource method
 * that matched ({@code @RolesAllowed}), and the few open paths are permitted in
 * {@code application.properties} ({@code quarkus.http.auth.permission.*}), so authorisation never
 * depends on a copy of the routes.
 * <ul>
 *   <li>Authentication off: every request is the {@link ApiToken#ANONYMOUS_ADMIN} identity.</li>
 *   <li>No {@code Authorization} header: anonymous; a route that needs a role answers 401.</li>
 *   <li>Another scheme or an unknown token: 401 at once, whatever the path.</li>
 * </ul>
 * The 401 body is MLflow's error JSON, or an OTLP {@code google.rpc.Status} in the request's
 * encoding on the OTLP/HTTP receiver.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {
    private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    static final String CHALLENGE = "Bearer realm=\"tracebridge\"";
    static final String UNAUTHENTICATED_MESSAGE = "Missing or unknown API token; send 'Authorization: Bearer <token>'";

    private final TokenRegistry registry;

    public BearerTokenMechanism(TokenRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager identities) {
        if (!registry.enabled()) {
            return Uni.createFrom().item(TokenIdentityProvider.identity(ApiToken.ANONYMOUS_ADMIN));
        }
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Uni.createFrom().nullItem();
        }
        Optional<String> token = TokenRegistry.bearer(header);
        if (token.isEmpty()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("not a bearer token"));
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                new TokenAuthenticationRequest(new TokenCredential(token.get(), "bearer")), ctx));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext ctx) {
        return Uni.createFrom().item(new ChallengeData(Failure.UNAUTHENTICATED.httpStatus(), WWW_AUTHENTICATE, CHALLENGE));
    }

    /** Writes the 401 with a body the caller's client understands (the default sends none). */
    @Override
    public Uni<Boolean> sendChallenge(RoutingContext ctx) {
        if (!ctx.response().ended()) {
            var response = ctx.response().putHeader(WWW_AUTHENTICATE, CHALLENGE);
            if (ErrorBodies.isOtlpPath(ctx.normalizedPath())) {
                ErrorBodies.endOtlp(response, ctx.request().getHeader(HttpHeaders.CONTENT_TYPE),
                        Failure.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE);
            } else {
                ErrorBodies.endMlflow(response, Failure.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE);
            }
        }
        return Uni.createFrom().item(true);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext ctx) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}

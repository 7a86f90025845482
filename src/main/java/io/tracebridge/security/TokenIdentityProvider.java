package io.tracebridge.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a bearer token into a Quarkus {@link SecurityIdentity}: the token's name as principal,
 * the {@link Roles} of its scope, and the {@link ApiToken} itself (for the experiment limits) as
 * the attribute {@link #TOKEN_ATTRIBUTE}. The lookup is one SHA-256 and a map read, so it runs on
 * the event loop.
 */
@ApplicationScoped
public class TokenIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {
    /** The identity attribute that holds the caller's {@link ApiToken}. */
    public static final String TOKEN_ATTRIBUTE = "tracebridge.token";

    private final TokenRegistry registry;

    public TokenIdentityProvider(TokenRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        return registry.lookup(request.getToken().getToken())
                .map(token -> Uni.createFrom().item(identity(token)))
                .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API token")));
    }

    static SecurityIdentity identity(ApiToken token) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(token.name()))
                .addRoles(token.scope().roles())
                .addAttribute(TOKEN_ATTRIBUTE, token)
                .build();
    }
}

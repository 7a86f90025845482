package io.tracebridge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.Set;

class TokenRegistryTest {
    static final String READ = "tb_read_token";
    static final String WRITE = "tb_write_token";

    @Test
    void authenticatesKnownTokensByHashOnly() {
        String spec = "dash:read:" + TokenRegistry.sha256(READ) + " ;\n ingest:ingest:"
                + TokenRegistry.sha256(WRITE).toUpperCase() + ":3, 4";
        TokenRegistry r = new TokenRegistry(true, spec);
        assertThat(r.authenticate("Bearer " + READ)).get().isEqualTo(new ApiToken("dash", Scope.READ, Set.of()));
        assertThat(r.authenticate("bearer  " + WRITE + " ")).get()
                .isEqualTo(new ApiToken("ingest", Scope.WRITE, Set.of(3L, 4L)));
        assertThat(r.authenticate("Bearer " + READ + "x")).isEmpty();
        assertThat(r.authenticate(READ)).as("without the Bearer scheme").isEmpty();
        assertThat(r.authenticate("Basic " + READ)).isEmpty();
        assertThat(r.authenticate("Bearer ")).isEmpty();
        assertThat(r.authenticate(null)).isEmpty();
        assertThat(r.authenticate("Bearer " + "a".repeat(10_000))).isEmpty();
    }

    @Test
    void scopesIncludeTheSmallerOnes() {
        assertThat(Scope.ADMIN.includes(Scope.WRITE)).isTrue();
        assertThat(Scope.WRITE.includes(Scope.READ)).isTrue();
        assertThat(Scope.READ.includes(Scope.WRITE)).isFalse();
        assertThat(Scope.WRITE.includes(Scope.ADMIN)).isFalse();
    }

    @Test
    void experimentRestriction() {
        ApiToken t = new ApiToken("t", Scope.WRITE, Set.of(3L));
        assertThat(t.mayAccess(3)).isTrue();
        assertThat(t.mayAccess(4)).isFalse();
        assertThatThrownBy(() -> t.requireExperiment(4)).hasMessageContaining("may not access experiment 4");
        assertThatThrownBy(() -> t.requireUnrestricted("create experiments")).hasMessageContaining("limited to experiments");
        assertThat(ApiToken.ANONYMOUS_ADMIN.mayAccess(12345)).isTrue();
    }

    @Test
    void badEntriesStopTheStartWithoutEchoingTheHash() {
        String hash = TokenRegistry.sha256(READ);
        assertThatThrownBy(() -> new TokenRegistry(true, "a:read")).hasMessageContaining("expected name:scope:sha256-hex");
        assertThatThrownBy(() -> new TokenRegistry(true, "a:owner:" + hash)).hasMessageContaining("unknown scope 'owner'");
        assertThatThrownBy(() -> new TokenRegistry(true, "a:read:abc")).hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> new TokenRegistry(true, "a:read:" + hash + ":x")).hasMessageContaining("'x' is not an experiment ID")
                .hasMessageNotContaining(hash);
        assertThatThrownBy(() -> new TokenRegistry(true, "a:read:" + hash + ";a:write:" + TokenRegistry.sha256(WRITE)))
                .hasMessageContaining("used twice");
        assertThatThrownBy(() -> new TokenRegistry(true, "a:read:" + hash + ";b:write:" + hash))
                .hasMessageContaining("same token hash");
        assertThatThrownBy(() -> new TokenRegistry(true, "")).hasMessageContaining("holds no token");
        assertThat(new TokenRegistry(false, "").enabled()).isFalse();
    }

    /**
     * Every REST resource method declares what it needs, and the declarations follow one policy:
     * reading and searching need read, deleting traces admin, every other change write; only
     * version and health are open. A method without a declaration would be denied
     * (quarkus.security.jaxrs.deny-unannotated-endpoints), this makes it fail the build instead.
     */
    @Test
    void everyResourceMethodDeclaresItsRole() throws Exception {
        var endpoints = io.tracebridge.support.Routes.endpoints();
        assertThat(endpoints).hasSizeGreaterThan(25);
        assertThat(endpoints.stream().map(Object::toString)).contains(
                "post /api/{version}/mlflow/experiments/delete", "post /api/{version}/mlflow/experiments/restore",
                "post /api/{version}/mlflow/experiments/update", "post /api/{version}/mlflow/experiments/set-experiment-tag",
                "post /api/{version}/mlflow/experiments/delete-experiment-tag");
        for (var e : endpoints) {
            var roles = e.method().getAnnotation(jakarta.annotation.security.RolesAllowed.class);
            boolean open = e.method().isAnnotationPresent(jakarta.annotation.security.PermitAll.class);
            assertThat(roles != null ^ open).as("%s declares exactly one of @RolesAllowed / @PermitAll", e).isTrue();
            if (open) {
                assertThat(e.path()).as("open endpoint").isIn("/version", "/health");
                continue;
            }
            String expected;
            if (e.path().endsWith("/delete-traces") || e.path().endsWith("/experiments/delete")
                    || e.path().endsWith("/experiments/restore")) {
                expected = Roles.ADMIN;
            } else if (e.verb().equals("get") || e.path().endsWith("/search")) {
                expected = Roles.READ;
            } else {
                expected = Roles.WRITE;
            }
            assertThat(roles.value()).as("roles of %s", e).containsExactly(expected);
        }
    }

    @Test
    void scopesHoldTheRolesBelowThem() {
        assertThat(Scope.READ.roles()).containsExactly(Roles.READ);
        assertThat(Scope.WRITE.roles()).containsExactly(Roles.READ, Roles.WRITE);
        assertThat(Scope.ADMIN.roles()).containsExactly(Roles.READ, Roles.WRITE, Roles.ADMIN);
        assertThat(Scope.ofRole(Roles.WRITE)).isEqualTo(Scope.WRITE);
        assertThat(TokenRegistry.bearer("bearer  abc ")).contains("abc");
        assertThat(TokenRegistry.bearer("Basic abc")).isEmpty();
        assertThat(TokenRegistry.bearer("Bearer ")).isEmpty();
    }
}

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

    @Test
    void routeScopes() {
        var get = io.vertx.core.http.HttpMethod.GET;
        var post = io.vertx.core.http.HttpMethod.POST;
        assertThat(HttpAuthFilter.required(get, "/q/health/ready")).isEmpty();
        assertThat(HttpAuthFilter.required(get, "/version")).isEmpty();
        assertThat(HttpAuthFilter.required(get, "/q/healthz")).contains(Scope.READ);
        assertThat(HttpAuthFilter.required(get, "/q/metrics")).contains(Scope.READ);
        assertThat(HttpAuthFilter.required(post, "/v1/traces")).contains(Scope.WRITE);
        assertThat(HttpAuthFilter.required(post, "/api/3.0/mlflow/traces/search")).contains(Scope.READ);
        assertThat(HttpAuthFilter.required(post, "/api/2.0/mlflow/experiments/search")).contains(Scope.READ);
        assertThat(HttpAuthFilter.required(post, "/api/2.0/mlflow/experiments/create")).contains(Scope.WRITE);
        assertThat(HttpAuthFilter.required(post, "/api/2.0/mlflow/traces/delete-traces")).contains(Scope.ADMIN);
        assertThat(HttpAuthFilter.required(io.vertx.core.http.HttpMethod.PATCH, "/api/2.0/mlflow/traces/x/tags"))
                .contains(Scope.WRITE);
    }
}

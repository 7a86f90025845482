package io.tracebridge.ops;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Readiness: the reactive pool that serves ingest and reads can run a query within two seconds.
 * (The JDBC pool exists only for Flyway at start-up, so its built-in check is turned off.)
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements AsyncHealthCheck {
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Pool pool;

    public DatabaseReadinessCheck(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(TIMEOUT).fail()
                .map(rows -> HealthCheckResponse.named("database").up().build())
                .onFailure().recoverWithItem(t -> HealthCheckResponse.named("database").down()
                        .withData("error", t.getClass().getSimpleName()).build());
    }
}

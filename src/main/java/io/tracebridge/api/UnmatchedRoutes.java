package io.tracebridge.api;

import io.tracebridge.errors.ErrorBodies;
import io.tracebridge.errors.Failure;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Any request no route handled gets MLflow's 404 {@code ENDPOINT_NOT_FOUND} JSON, which the
 * MLflow client uses to fall back from V3 to V2 endpoints (docs/mlflow-compatibility.md §4.5).
 */
@Singleton
public class UnmatchedRoutes {
    void register(@Observes Router router) {
        router.route().last().handler(ctx -> ErrorBodies.endMlflow(ctx.response(), Failure.NO_SUCH_ENDPOINT,
                "No endpoint matches " + ctx.request().method() + " " + ctx.request().path()));
    }
}

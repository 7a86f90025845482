package io.tracebridge.api;

import jakarta.annotation.security.PermitAll;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.tracebridge.ops.TracebridgeConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /version}: the MLflow Python SDK sends spans over OTLP only to servers ≥ 3.4
 * (docs/mlflow-compatibility.md §3.2, §8.6). {@code GET /health}: MLflow's conventional liveness probe.
 */
@Tag(name = "Server", description = "Server information")
@Path("/")
public class VersionResource {
    private final TracebridgeConfig config;

    public VersionResource(TracebridgeConfig config) {
        this.config = config;
    }

    @Operation(summary = "MLflow server version this server answers as")
    @PermitAll
    @GET
    @Path("version")
    @Produces(MediaType.TEXT_PLAIN)
    public String version() {
        return config.mlflowVersion();
    }

    @Operation(summary = "MLflow-style health check (OK)")
    @PermitAll
    @GET
    @Path("health")
    @Produces(MediaType.TEXT_PLAIN)
    public String health() {
        return "OK";
    }
}

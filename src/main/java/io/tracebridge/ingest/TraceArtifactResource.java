package io.tracebridge.ingest;

import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.tracebridge.errors.ErrorBodies;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.TraceIds;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.security.Access;
import io.tracebridge.security.ApiToken;
import io.tracebridge.store.TraceStore;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MLflow SDK uploads {@code traces.json} after StartTraceV3 (docs/mlflow-compatibility.md §8.6). Its spans are
 * ingested when none of the trace's spans arrived over OTLP; otherwise the upload is discarded.
 * Tracebridge stores no other artifacts.
 */
@Tag(name = "Traces")
@Path("/api/2.0/mlflow-artifacts/artifacts")
@Produces(MediaType.APPLICATION_JSON)
public class TraceArtifactResource {
    static final Pattern TRACES_JSON = Pattern.compile("(\\d+)/traces/(tr-[0-9a-f]{32})/artifacts/traces\\.json");
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;

    private final IngestService ingest;
    private final TraceStore traces;

    private final Access access;

    public TraceArtifactResource(IngestService ingest, TraceStore traces, Access access) {
        this.access = access;
        this.ingest = ingest;
        this.traces = traces;
    }

    @Operation(summary = "Upload a trace's traces.json artifact (MLflow SDK export path)")
    @RolesAllowed(Roles.WRITE)
    @PUT
    @Path("/{path: .+}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> upload(@PathParam("path") String path, byte[] body) {
        Matcher m = TRACES_JSON.matcher(path);
        if (!m.matches()) {
            return Uni.createFrom().item(ErrorBodies.mlflow(ErrorCode.NOT_IMPLEMENTED,
                    "Tracebridge stores no artifacts other than a trace's traces.json"));
        }
        long experiment;
        try {
            experiment = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Uni.createFrom().item(ErrorBodies.mlflow(ErrorCode.INVALID_PARAMETER_VALUE,
                    "'" + m.group(1) + "' is not an experiment ID"));
        }
        String experimentId = Long.toString(experiment);
        String traceId = m.group(2);
        ApiToken caller = access.caller();
        // Before anything is looked up: a token limited to other experiments learns nothing.
        caller.requireExperiment(experiment);
        return traces.experimentOf(traceId).chain(holder -> {
            if (holder != null && holder != experiment) {
                return Uni.createFrom().item(foreign(traceId, experimentId));
            }
            return traces.getSpans(List.of(traceId)).chain(existing -> upload(existing, caller, experimentId, traceId, body));
        });
    }

    private Uni<Response> upload(Map<String, List<String>> existing, ApiToken caller, String experimentId, String traceId,
                                 byte[] body) {
        if (!existing.isEmpty()) {
            return Uni.createFrom().item(Response.ok(Map.of()).build());
        }
        return ingest.ingest(IngestMetrics.Transport.HTTP, caller, experimentId, () -> parse(body, traceId))
                    // The write decides ownership again under the trace's lock (a concurrent writer).
                    .map(r -> r.foreignTraces().isEmpty() ? Response.ok(Map.of()).build() : foreign(traceId, experimentId))
                    .onFailure(OtlpException.class).recoverWithItem(t -> ErrorBodies.mlflow(
                            ((OtlpException) t).kind().failure().mlflowCode(), t.getMessage()));
    }

    /** A trace's artifact uploaded under another experiment than the one that holds the trace. */
    private static Response foreign(String traceId, String experimentId) {
        return ErrorBodies.mlflow(ErrorCode.INVALID_PARAMETER_VALUE, "Trace " + traceId
                + " belongs to another experiment than " + experimentId + "; its traces.json must be uploaded there");
    }

    private static io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest parse(byte[] body, String traceId) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body == null ? new byte[0] : body);
        } catch (IOException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "traces.json is not valid JSON");
        }
        if (root == null) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "traces.json is empty");
        }
        return MlflowSpanDicts.toRequest(root, TraceIds.otelTraceId(traceId));
    }
}

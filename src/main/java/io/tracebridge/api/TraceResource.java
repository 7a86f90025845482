package io.tracebridge.api;

import java.time.Clock;
import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.TraceStore;
import io.tracebridge.traces.DeleteTraces;
import io.tracebridge.traces.TraceService;
import com.fasterxml.jackson.databind.JsonNode;
import io.tracebridge.ops.SearchMetrics;
import io.tracebridge.security.Access;
import io.tracebridge.security.ApiToken;
import io.tracebridge.search.TraceQuery;
import io.tracebridge.search.TraceSearch;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;

/** MLflow V3 trace read endpoints (docs/mlflow-compatibility.md §4.2). */
@Tag(name = "Traces", description = "MLflow's trace API")
@Path("/api/{version: 2\\.0|3\\.0}/mlflow/traces")
@Produces(MediaType.APPLICATION_JSON)
public class TraceResource {
    static final int MAX_BATCH_IDS = 100;

    private final TraceStore traces;
    private final TraceService service;

    private final SearchMetrics searchMetrics;

    private final Access access;

    private final Clock clock;

    public TraceResource(TraceStore traces, TraceService service, SearchMetrics searchMetrics, Access access,
                         Clock clock) {
        this.clock = clock;
        this.access = access;
        this.searchMetrics = searchMetrics;
        this.traces = traces;
        this.service = service;
    }

    /** StartTraceV3: the MLflow SDK's authoritative trace info, sent when the root span ends. */
    @Operation(summary = "StartTraceV3: create or update a trace info (MLflow SDK export path)")
    @RolesAllowed(Roles.WRITE)
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> startTrace(String body) {
        JsonNode req = Requests.body(body);
        TraceInfoJson.Parsed parsed = TraceInfoJson.parse(Requests.field(Requests.field(req, "trace"), "trace_info"), clock.millis());
        ApiToken caller = access.caller();
        caller.requireExperiment(parsed.experimentId());
        return access.trace(parsed.info().traceId())
                .chain(() -> service.start(caller, parsed.experimentId(), parsed.info()))
                .map(TraceResource::traceInfoResponse);
    }

    /** DeleteTraces: by {@code request_ids}, or the oldest up to {@code max_timestamp_millis}. */
    @Operation(summary = "Delete traces by request_ids, or by max_timestamp_millis and max_traces")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"0\", \"request_ids\": [\"tr-0123456789abcdef0123456789abcdef\"]}"))
    @RolesAllowed(Roles.ADMIN)
    @POST
    @Path("/delete-traces")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> deleteTraces(String body) {
        JsonNode req = Requests.body(body);
        long experimentId = Requests.experimentId(Requests.text(req, "experiment_id"));
        // Before anything else is read: a token limited to other experiments learns nothing.
        access.caller().requireExperiment(experimentId);
        List<String> ids = new ArrayList<>();
        JsonNode requestIds = Requests.field(req, "request_ids");
        if (requestIds.isArray()) {
            requestIds.forEach(i -> ids.add(i.asText()));
        }
        String maxTimestamp = Requests.text(req, "max_timestamp_millis");
        Long max = null;
        if (maxTimestamp != null) {
            try {
                max = Long.parseLong(maxTimestamp);
            } catch (NumberFormatException e) {
                throw MlflowException.invalid("Invalid value '" + maxTimestamp + "' for 'max_timestamp_millis'.");
            }
        }
        Uni<Integer> deleted = service.delete(access.caller(), new DeleteTraces(experimentId, ids, max,
                Requests.integer(Requests.text(req, "max_traces"), "max_traces")));
        return deleted.map(n -> Json.object().put("traces_deleted", n));
    }

    /** GetTrace: trace info plus spans. Declared before {@code {trace_id}}; literal paths win. */
    @Operation(summary = "Get a trace: trace info and spans (OTel JSON)")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/get")
    public Uni<ObjectNode> getTrace(@QueryParam("trace_id") String traceId,
                                    @QueryParam("allow_partial") String allowPartial) {
        Requests.required(traceId, "trace_id");
        boolean partialOk = Requests.bool(allowPartial, false);
        return service.findComplete(access.caller(), traceId, partialOk).chain(stored -> traces.getSpans(List.of(traceId))
                .map(spans -> {
                    ObjectNode n = Json.object();
                    n.set("trace", Json.trace(stored.info(), spans.getOrDefault(traceId, List.of())));
                    return n;
                }));
    }

    /** SearchTracesV3 (docs/mlflow-compatibility.md §4.2, §5). Locations (or legacy experiment_ids) scope the search. */
    @Operation(summary = "SearchTracesV3 with MLflow's filter grammar, order_by and keyset paging")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}], \"filter\": \"tags.`mlflow.trace.user` = 'user-jane-doe-12345'\", \"max_results\": 100}"))
    @RolesAllowed(Roles.READ)
    @POST
    @Path("/search")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> search(String body) {
        long start = System.nanoTime();
        return Uni.createFrom().deferred(() -> doSearch(body))
                .onItemOrFailure().invoke((page, failure) -> {
                    if (failure == null) {
                        searchMetrics.succeeded(start, page.path("traces").size());
                    } else {
                        searchMetrics.failed(start, failure);
                    }
                });
    }

    private Uni<ObjectNode> doSearch(String body) {
        JsonNode req = Requests.body(body);
        List<Long> experimentIds = new ArrayList<>();
        for (JsonNode loc : Requests.field(req, "locations")) {
            String type = Requests.text(loc, "type");
            if (type != null && !type.equals("MLFLOW_EXPERIMENT")) {
                throw MlflowException.invalid("Unsupported trace location type '" + type
                        + "'. Only MLFLOW_EXPERIMENT is supported.");
            }
            experimentIds.add(Requests.experimentId(Requests.text(Requests.field(loc, "mlflow_experiment"), "experiment_id")));
        }
        for (JsonNode id : Requests.field(req, "experiment_ids")) {
            experimentIds.add(Requests.experimentId(id.asText()));
        }
        List<String> orderBy = Requests.strings(req, "order_by");
        ApiToken caller = access.caller();
        experimentIds.forEach(caller::requireExperiment);
        TraceQuery query = TraceSearch.compile(experimentIds.stream().distinct().toList(),
                Requests.text(req, "filter"), orderBy,
                Requests.integer(Requests.text(req, "max_results"), "max_results"),
                Requests.text(req, "page_token"));
        return traces.search(query).map(page -> {
            ObjectNode n = Json.object();
            ArrayNode arr = n.putArray("traces");
            page.traces().forEach(t -> arr.add(Json.traceInfo(t)));
            if (page.nextAfter() != null) {
                n.put("next_page_token", query.pageToken(page.nextAfter()));
            }
            return n;
        });
    }

    @Operation(summary = "Get several traces with their spans")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/batchGet")
    public Uni<ObjectNode> batchGet(@QueryParam("trace_ids") List<String> traceIds) {
        if (traceIds == null || traceIds.isEmpty()) {
            throw MlflowException.invalid("Missing value for required parameter 'trace_ids'.");
        }
        if (traceIds.size() > MAX_BATCH_IDS) {
            throw MlflowException.invalid("At most " + MAX_BATCH_IDS + " trace_ids can be fetched at once");
        }
        ApiToken caller = access.caller();
        return traces.getTraces(traceIds).invoke(found -> found.forEach(t -> {
            if (!caller.mayAccess(Long.parseLong(t.info().experimentId()))) {
                throw caller.denied("trace " + t.info().traceId());
            }
        })).chain(found -> traces.getSpans(traceIds).map(spans -> {
            ObjectNode n = Json.object();
            ArrayNode arr = n.putArray("traces");
            for (String id : traceIds) {
                found.stream().filter(s -> s.info().traceId().equals(id)).findFirst()
                        .ifPresent(s -> arr.add(Json.trace(s.info(), spans.getOrDefault(id, List.of()))));
            }
            return n;
        }));
    }

    /** GetTraceInfoV3. */
    @Operation(summary = "GetTraceInfoV3: a trace info with tags, metadata and assessments")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/{trace_id}")
    public Uni<ObjectNode> getTraceInfo(@PathParam("trace_id") String traceId) {
        return service.find(access.caller(), traceId).map(TraceResource::traceInfoResponse);
    }

    /** {@code {"trace": {"trace_info": ...}}}, the answer of StartTraceV3 and GetTraceInfoV3. */
    private static ObjectNode traceInfoResponse(TraceStore.StoredTrace stored) {
        ObjectNode n = Json.object();
        n.putObject("trace").set("trace_info", Json.traceInfo(stored.info()));
        return n;
    }

}

package io.tracebridge.api;

import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import io.tracebridge.security.Access;
import io.tracebridge.security.ApiToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.feedback.FeedbackByRequestService;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.PageSize;
import io.tracebridge.model.PendingFeedback;
import io.tracebridge.store.ExperimentStore;
import io.tracebridge.store.PendingFeedbackStore;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Locale;
import java.util.Set;

/**
 * Tracebridge's own feedback endpoints (docs/mlflow-compatibility.md §8.7): log feedback by client request ID in one
 * call, and list feedback still waiting for its trace.
 */
@Tag(name = "Feedback", description = "Tracebridge's feedback by client request ID")
@Path("/api/tracebridge/v1/feedback")
@Produces(MediaType.APPLICATION_JSON)
public class FeedbackResource {
    static final Set<String> STATUSES = Set.of("PENDING", "ATTACHED", "EXPIRED");

    private final FeedbackByRequestService feedback;
    private final PendingFeedbackStore pending;
    private final ExperimentStore experiments;

    private final Access access;

    public FeedbackResource(FeedbackByRequestService feedback, PendingFeedbackStore pending,
                            ExperimentStore experiments, Access access) {
        this.access = access;
        this.feedback = feedback;
        this.pending = pending;
        this.experiments = experiments;
    }

    /** 201 with the assessment when the trace exists; 202 with the pending record otherwise. */
    @Operation(summary = "Log feedback by client request ID: 201 with the assessment, or 202 with a pending record until the trace arrives")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"name\": \"user_satisfaction\", \"value\": true, \"rationale\": \"Quick and correct\", \"source_type\": \"HUMAN\", \"source_id\": \"user-jane-doe-12345\"}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> log(@QueryParam("client_request_id") String clientRequestId,
                             @QueryParam("experiment_id") String experimentId,
                             @QueryParam("experiment_name") String experimentName,
                             @HeaderParam("X-User-ID") String user,
                             String body) {
        var req = Requests.body(body);
        Requests.required(clientRequestId, "client_request_id");
        ApiToken caller = access.caller();
        return experimentScope(experimentId, experimentName)
                .invoke(exp -> checkScope(caller, exp))
                .chain(exp -> feedback.log(clientRequestId, exp, AssessmentJson.userFeedback(req, user)))
                .map(outcome -> {
                    if (outcome.assessment() != null) {
                        return Response.status(201).entity(AssessmentResource.wrap(outcome.assessment())).build();
                    }
                    ObjectNode n = Json.object();
                    n.set("pending_feedback", json(outcome.pending()));
                    return Response.status(202).entity(n).build();
                });
    }

    @Operation(summary = "List pending (and expired) feedback of an experiment")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/pending")
    public Uni<ObjectNode> list(@QueryParam("experiment_id") String experimentId,
                                @QueryParam("status") String status,
                                @QueryParam("max_results") String maxResults) {
        String s = status == null ? null : status.toUpperCase(Locale.ROOT);
        if (s != null && !STATUSES.contains(s)) {
            throw MlflowException.invalid("Invalid status '" + status + "'. Valid values are " + STATUSES);
        }
        int limit = PageSize.of(Requests.integer(maxResults, "max_results"), 100, 1000);
        Long exp = experimentId == null ? null : Requests.experimentId(experimentId);
        checkScope(access.caller(), exp);
        return pending.list(exp, s, limit).map(list -> {
            ObjectNode n = Json.object();
            ArrayNode arr = n.putArray("pending_feedback");
            list.forEach(p -> arr.add(json(p)));
            return n;
        });
    }

    /** A token limited to some experiments must name one of them (null means all experiments). */
    private static void checkScope(ApiToken caller, Long experimentId) {
        if (experimentId == null) {
            caller.requireUnrestricted("act on all experiments; pass experiment_id");
        } else {
            caller.requireExperiment(experimentId);
        }
    }

    private Uni<Long> experimentScope(String experimentId, String experimentName) {
        if (experimentId != null) {
            return Uni.createFrom().item(Requests.experimentId(experimentId));
        }
        if (experimentName != null) {
            return experiments.getByName(experimentName).map(e -> Long.parseLong(e.orElseThrow(() ->
                    MlflowException.notFound("Could not find experiment with name '" + experimentName + "'"))
                    .experimentId()));
        }
        return Uni.createFrom().nullItem();
    }

    static ObjectNode json(PendingFeedback p) {
        ObjectNode n = Json.object();
        n.put("pending_id", p.pendingId());
        n.put("client_request_id", p.clientRequestId());
        if (p.experimentId() != null) {
            n.put("experiment_id", p.experimentId());
        }
        n.put("name", p.name());
        n.putRawValue("value", new com.fasterxml.jackson.databind.util.RawValue(p.valueJson()));
        if (p.rationale() != null) {
            n.put("rationale", p.rationale());
        }
        n.putObject("source").put("source_type", p.sourceType()).put("source_id", p.sourceId());
        ObjectNode meta = n.putObject("metadata");
        p.metadata().forEach(meta::put);
        n.put("status", p.status());
        if (p.traceId() != null) {
            n.put("trace_id", p.traceId());
            n.put("assessment_id", p.assessmentId());
        }
        n.put("create_time", Json.timestamp(p.createTimeMs()));
        n.put("expire_time", Json.timestamp(p.expiresAtMs()));
        return n;
    }
}

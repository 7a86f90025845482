package io.tracebridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.feedback.AssessmentService;
import io.tracebridge.model.Assessment;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** MLflow assessment endpoints (contract §4.3). */
@Path("/api/{version: 2\\.0|3\\.0}/mlflow/traces/{trace_id}/assessments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AssessmentResource {
    private final AssessmentService assessments;

    public AssessmentResource(AssessmentService assessments) {
        this.assessments = assessments;
    }

    @POST
    public Uni<ObjectNode> create(@PathParam("trace_id") String traceId, String body) {
        JsonNode req = Requests.body(body);
        return assessments.create(traceId, Requests.field(req, "assessment")).map(AssessmentResource::wrap);
    }

    @GET
    @Path("/{assessment_id}")
    public Uni<ObjectNode> get(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id) {
        return assessments.get(traceId, id).map(AssessmentResource::wrap);
    }

    @PATCH
    @Path("/{assessment_id}")
    public Uni<ObjectNode> update(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id,
                                  String body) {
        JsonNode req = Requests.body(body);
        return assessments.update(traceId, id, Requests.field(req, "assessment"), Requests.field(req, "update_mask"))
                .map(AssessmentResource::wrap);
    }

    /** MLflow's client sends a JSON body here too; everything needed is in the path. */
    @DELETE
    @Path("/{assessment_id}")
    public Uni<ObjectNode> delete(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id) {
        return assessments.delete(traceId, id).map(v -> Json.object());
    }

    static ObjectNode wrap(Assessment a) {
        ObjectNode n = Json.object();
        n.set("assessment", Json.assessment(a));
        return n;
    }
}

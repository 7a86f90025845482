package io.tracebridge.api;

import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import io.tracebridge.security.Access;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
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

/** MLflow assessment endpoints (docs/mlflow-compatibility.md §4.3). */
@Tag(name = "Assessments", description = "MLflow's assessments (feedback and expectations) on a trace")
@Path("/api/{version: 2\\.0|3\\.0}/mlflow/traces/{trace_id}/assessments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AssessmentResource {
    private final AssessmentService assessments;
    private final Access access;

    public AssessmentResource(AssessmentService assessments, Access access) {
        this.assessments = assessments;
        this.access = access;
    }

    @Operation(summary = "Create an assessment (log_feedback, log_expectation)")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"assessment\": {\"assessment_name\": \"user_satisfaction\", \"trace_id\": \"tr-0123456789abcdef0123456789abcdef\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"user-jane-doe-12345\"}, \"feedback\": {\"value\": true}, \"rationale\": \"Clear answer\"}}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    public Uni<ObjectNode> create(@PathParam("trace_id") String traceId, String body) {
        JsonNode req = Requests.body(body);
        return access.trace(traceId).chain(() -> assessments.create(traceId,
                        AssessmentJson.parseNew(Requests.field(req, "assessment"))))
                .map(AssessmentResource::wrap);
    }

    @Operation(summary = "Get an assessment")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/{assessment_id}")
    public Uni<ObjectNode> get(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id) {
        return access.trace(traceId).chain(() -> assessments.get(traceId, id)).map(AssessmentResource::wrap);
    }

    @Operation(summary = "Update an assessment (update_mask: camelCase or snake_case paths)")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"assessment\": {\"rationale\": \"Changed my mind\", \"feedback\": {\"value\": false}}, \"update_mask\": \"rationale,feedback\"}"))
    @RolesAllowed(Roles.WRITE)
    @PATCH
    @Path("/{assessment_id}")
    public Uni<ObjectNode> update(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id,
                                  String body) {
        JsonNode req = Requests.body(body);
        return access.trace(traceId).chain(() -> assessments.update(traceId, id,
                        AssessmentJson.patch(Requests.field(req, "assessment"), Requests.field(req, "update_mask"))))
                .map(AssessmentResource::wrap);
    }

    /** MLflow's client sends a JSON body here too; everything needed is in the path. */
    @Operation(summary = "Delete an assessment; an assessment it overrode becomes valid again")
    @RolesAllowed(Roles.WRITE)
    @DELETE
    @Path("/{assessment_id}")
    public Uni<ObjectNode> delete(@PathParam("trace_id") String traceId, @PathParam("assessment_id") String id) {
        return access.trace(traceId).chain(() -> assessments.delete(traceId, id)).map(v -> Json.object());
    }

    static ObjectNode wrap(Assessment a) {
        ObjectNode n = Json.object();
        n.set("assessment", Json.assessment(a));
        return n;
    }
}

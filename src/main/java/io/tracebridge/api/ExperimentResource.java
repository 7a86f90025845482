package io.tracebridge.api;

import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import io.tracebridge.security.Access;
import io.tracebridge.security.ApiToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.ExperimentSearch;
import io.tracebridge.search.OffsetPageToken;
import io.tracebridge.store.ExperimentStore;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** MLflow experiment endpoints (docs/mlflow-compatibility.md §4.1) under {@code /api/2.0} and {@code /api/3.0}. */
@Tag(name = "Experiments", description = "MLflow's experiment API")
@Path("/api/{version: 2\\.0|3\\.0}/mlflow/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {
    static final int MAX_NAME_LENGTH = 500;
    static final int MAX_TAG_KEY_LENGTH = 250;
    static final int MAX_TAG_VALUE_LENGTH = 20_000;

    private final ExperimentStore experiments;
    private final Access access;

    public ExperimentResource(ExperimentStore experiments, Access access) {
        this.experiments = experiments;
        this.access = access;
    }

    @Operation(summary = "Create an experiment")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"name\": \"chat-app\", \"tags\": [{\"key\": \"team\", \"value\": \"assistants\"}]}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    @Path("/create")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> create(String body) {
        access.caller().requireUnrestricted("create experiments");
        JsonNode req = Requests.body(body);
        String name = name(Requests.required(Requests.text(req, "name"), "name"));
        String artifactLocation = Requests.text(req, "artifact_location");
        Map<String, String> tags = tags(Requests.field(req, "tags"));
        return experiments.create(name, artifactLocation, tags)
                .map(e -> Json.object().put("experiment_id", e.experimentId()));
    }

    private static String name(String name) {
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw MlflowException.invalid("Invalid experiment name: '" + name + "'. Names must be 1 to "
                    + MAX_NAME_LENGTH + " characters and not blank.");
        }
        return name;
    }

    private static Map<String, String> tags(JsonNode node) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (node.isNull() || node.isMissingNode()) {
            return tags;
        }
        if (!node.isArray()) {
            throw MlflowException.invalid("Invalid value for parameter 'tags': expected a list of {key, value}");
        }
        for (JsonNode t : node) {
            String key = Requests.required(Requests.text(t, "key"), "tags.key");
            String value = Requests.text(t, "value");
            checkTag(key, value);
            tags.put(key, value == null ? "" : value);
        }
        return tags;
    }

    private static void checkTag(String key, String value) {
        if (key.length() > MAX_TAG_KEY_LENGTH || (value != null && value.length() > MAX_TAG_VALUE_LENGTH)) {
            throw MlflowException.invalid("Experiment tag '" + key + "' exceeds the maximum length (key "
                    + MAX_TAG_KEY_LENGTH + ", value " + MAX_TAG_VALUE_LENGTH + ")");
        }
        io.tracebridge.traces.Retention.requireValidTag(key, value);
    }

    // ---- Lifecycle: MLflow's DeleteExperiment, RestoreExperiment, UpdateExperiment,
    // SetExperimentTag and DeleteExperimentTag. Each answers {} on success. A token limited to
    // some experiments may change only those; deleting and restoring need the admin role (MLflow's
    // auth asks for the experiment's delete permission there, its update permission for the rest).

    @Operation(summary = "Delete an experiment (it is kept, with lifecycle_stage \"deleted\", until restored)")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"1\"}"))
    @RolesAllowed(Roles.ADMIN)
    @POST
    @Path("/delete")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> delete(String body) {
        long id = allowed(Requests.body(body));
        return experiments.delete(id).map(v -> Json.object());
    }

    @Operation(summary = "Restore a deleted experiment")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"1\"}"))
    @RolesAllowed(Roles.ADMIN)
    @POST
    @Path("/restore")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> restore(String body) {
        long id = allowed(Requests.body(body));
        return experiments.restore(id).map(v -> Json.object());
    }

    @Operation(summary = "Rename an active experiment")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"1\", \"new_name\": \"chatbot-v2\"}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    @Path("/update")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> update(String body) {
        JsonNode req = Requests.body(body);
        long id = Requests.experimentId(Requests.text(req, "experiment_id"));
        String newName = name(Requests.required(Requests.text(req, "new_name"), "new_name"));
        access.caller().requireExperiment(id);
        return experiments.rename(id, newName).map(v -> Json.object());
    }

    @Operation(summary = "Set a tag on an active experiment")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"1\", \"key\": \"team\", \"value\": \"assistants\"}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    @Path("/set-experiment-tag")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> setTag(String body) {
        JsonNode req = Requests.body(body);
        long id = Requests.experimentId(Requests.text(req, "experiment_id"));
        String key = Requests.required(Requests.text(req, "key"), "key");
        String value = Requests.text(req, "value");
        checkTag(key, value);
        access.caller().requireExperiment(id);
        return experiments.setTag(id, key, value == null ? "" : value).map(v -> Json.object());
    }

    @Operation(summary = "Delete a tag of an active experiment")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"experiment_id\": \"1\", \"key\": \"team\"}"))
    @RolesAllowed(Roles.WRITE)
    @POST
    @Path("/delete-experiment-tag")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> deleteTag(String body) {
        JsonNode req = Requests.body(body);
        long id = Requests.experimentId(Requests.text(req, "experiment_id"));
        String key = Requests.required(Requests.text(req, "key"), "key");
        access.caller().requireExperiment(id);
        return experiments.deleteTag(id, key).map(v -> Json.object());
    }

    /** The request's experiment ID, once the caller may touch that experiment. */
    private long allowed(JsonNode req) {
        long id = Requests.experimentId(Requests.text(req, "experiment_id"));
        access.caller().requireExperiment(id);
        return id;
    }

    @Operation(summary = "Get an experiment by ID (deleted ones too, with lifecycle_stage \"deleted\")")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/get")
    public Uni<ObjectNode> get(@QueryParam("experiment_id") String experimentId) {
        long id = Requests.experimentId(experimentId);
        access.caller().requireExperiment(id);
        return experiments.get(id).map(found -> {
            var e = found.orElseThrow(() -> MlflowException.notFound("No Experiment with id=" + id + " exists"));
            ObjectNode n = Json.object();
            n.set("experiment", Json.experiment(e));
            return n;
        });
    }

    @Operation(summary = "Get an experiment by name, deleted ones too (404 RESOURCE_DOES_NOT_EXIST when absent)")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/get-by-name")
    public Uni<ObjectNode> getByName(@QueryParam("experiment_name") String name) {
        Requests.required(name, "experiment_name");
        ApiToken caller = access.caller();
        return experiments.getByName(name).map(found -> {
            var e = found.orElseThrow(() -> MlflowException.notFound(
                    "Could not find experiment with name '" + name + "'"));
            caller.requireExperiment(Long.parseLong(e.experimentId()));
            ObjectNode n = Json.object();
            n.set("experiment", Json.experiment(e));
            return n;
        });
    }

    @Operation(summary = "Search experiments (name filter, order_by, paging; view_type ACTIVE_ONLY (default), DELETED_ONLY or ALL)")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"filter\": \"name LIKE 'chat%'\", \"max_results\": 100, \"view_type\": \"ACTIVE_ONLY\"}"))
    @RolesAllowed(Roles.READ)
    @POST
    @Path("/search")
    @Consumes(MediaType.WILDCARD)
    public Uni<ObjectNode> searchPost(String body) {
        JsonNode req = Requests.body(body);
        List<String> orderBy = Requests.strings(req, "order_by");
        return search(Requests.text(req, "filter"), orderBy, Requests.text(req, "view_type"),
                Requests.integer(Requests.text(req, "max_results"), "max_results"), Requests.text(req, "page_token"));
    }

    @Operation(summary = "Search experiments (query parameters, view_type as in the POST form)")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/search")
    public Uni<ObjectNode> searchGet(@QueryParam("filter") String filter,
                                     @QueryParam("order_by") List<String> orderBy,
                                     @QueryParam("view_type") String viewType,
                                     @QueryParam("max_results") String maxResults,
                                     @QueryParam("page_token") String pageToken) {
        return search(filter, orderBy, viewType, Requests.integer(maxResults, "max_results"), pageToken);
    }

    private Uni<ObjectNode> search(String filter, List<String> orderBy, String viewType, Integer max, String token) {
        var query = ExperimentSearch.compile(filter, orderBy, viewType, max, token);
        ApiToken caller = access.caller();
        return experiments.search(query).map(page -> {
            ObjectNode n = Json.object();
            var arr = n.putArray("experiments");
            // A token limited to some experiments sees only those (pages may then hold fewer).
            page.experiments().stream().filter(e -> caller.mayAccess(Long.parseLong(e.experimentId())))
                    .forEach(e -> arr.add(Json.experiment(e)));
            if (page.nextOffset() != null) {
                n.put("next_page_token", OffsetPageToken.encode(page.nextOffset()));
            }
            return n;
        });
    }
}

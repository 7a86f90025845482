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
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceTagKeys;
import io.tracebridge.store.TraceUpdates;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.Set;

/** SetTraceTag / DeleteTraceTag (docs/mlflow-compatibility.md §4.2). */
@Tag(name = "Traces")
@Path("/api/{version: 2\\.0|3\\.0}/mlflow/traces/{trace_id}/tags")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class TraceTagResource {
    static final int MAX_KEY_LENGTH = 250;
    static final int MAX_VALUE_LENGTH = 8000;
    /** Tags the server owns; clients cannot change them. */
    static final Set<String> PROTECTED = Set.of(TraceTagKeys.SPANS_LOCATION, TraceTagKeys.ARTIFACT_LOCATION,
            "mlflow.trace.archiveLocation");

    private final TraceUpdates traces;
    private final Access access;

    public TraceTagResource(TraceUpdates traces, Access access) {
        this.traces = traces;
        this.access = access;
    }

    @Operation(summary = "Set a trace tag")
    @RequestBody(content = @Content(mediaType = "application/json", example = "{\"key\": \"reviewed\", \"value\": \"yes\"}"))
    @RolesAllowed(Roles.WRITE)
    @PATCH
    public Uni<ObjectNode> set(@PathParam("trace_id") String traceId, String body) {
        JsonNode req = Requests.body(body);
        String key = key(Requests.text(req, "key"));
        String value = Requests.text(req, "value");
        if (value == null) {
            throw MlflowException.invalid("Missing value for required parameter 'value'.");
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            throw MlflowException.invalid("Trace tag value for key '" + key + "' is " + value.length()
                    + " characters; at most " + MAX_VALUE_LENGTH + " are allowed.");
        }
        return access.trace(traceId).chain(() -> traces.setTag(traceId, key, value)).map(v -> Json.object());
    }

    /** The key comes in a JSON body (MLflow's client) or as {@code ?key=}. */
    @Operation(summary = "Delete a trace tag")
    @RolesAllowed(Roles.WRITE)
    @DELETE
    public Uni<ObjectNode> delete(@PathParam("trace_id") String traceId, @QueryParam("key") String queryKey,
                                  String body) {
        String key = queryKey != null ? queryKey : Requests.text(Requests.body(body), "key");
        String checked = key(key);
        return access.trace(traceId).chain(() -> traces.deleteTag(traceId, checked)).map(v -> Json.object());
    }

    private static String key(String key) {
        Requests.required(key, "key");
        if (key.length() > MAX_KEY_LENGTH) {
            throw MlflowException.invalid("Trace tag key is " + key.length() + " characters; at most "
                    + MAX_KEY_LENGTH + " are allowed.");
        }
        if (PROTECTED.contains(key)) {
            throw MlflowException.invalid("Trace tag '" + key + "' is set by the server and cannot be changed.");
        }
        return key;
    }
}

package io.tracebridge.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.api.AssessmentJson;
import io.tracebridge.api.Requests;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.PendingFeedbackStore;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/**
 * The user guide's flow in one call (docs/mlflow-compatibility.md §8.7): feedback for a client request ID goes to
 * the newest trace with that ID, or waits (pending) until that trace arrives.
 */
@ApplicationScoped
public class FeedbackByRequestService {
    static final String DEFAULT_NAME = "feedback";

    private final PendingFeedbackStore store;
    private final TracebridgeConfig config;

    public FeedbackByRequestService(PendingFeedbackStore store, TracebridgeConfig config) {
        this.store = store;
        this.config = config;
    }

    /**
     * @param body {@code {name?, value, rationale?, source_type?, source_id?, metadata?}}
     * @param userHeader the {@code X-User-ID} header, the default source ID
     */
    public Uni<PendingFeedbackStore.Outcome> log(String clientRequestId, Long experimentId, JsonNode body,
                                                 String userHeader) {
        Requests.required(clientRequestId, "client_request_id");
        JsonNode value = Requests.field(body, "value");
        if (value.isNull() || value.isMissingNode()) {
            throw MlflowException.invalid("Missing value for required parameter 'value'.");
        }
        String name = Requests.text(body, "name");
        String sourceType = Requests.text(body, "source_type");
        String sourceId = Requests.text(body, "source_id");
        long now = System.currentTimeMillis();
        Assessment feedback = new Assessment(AssessmentService.newAssessmentId(), null,
                AssessmentJson.name(name == null ? DEFAULT_NAME : name), Assessment.Kind.FEEDBACK, value.toString(),
                null, null, Requests.text(body, "rationale"),
                AssessmentJson.sourceType(sourceType == null ? "HUMAN" : sourceType),
                sourceId != null ? sourceId : userHeader != null ? userHeader : "",
                null, AssessmentJson.metadata(Requests.field(body, "metadata")), null, true, now, now);
        String pendingId = "pf-" + UUID.randomUUID().toString().replace("-", "");
        return store.log(clientRequestId, experimentId, feedback, pendingId,
                now + config.feedback().pendingTtl().toMillis());
    }
}

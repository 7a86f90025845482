package io.tracebridge.feedback;

import java.time.Clock;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Assessment;
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
    private final PendingFeedbackStore store;
    private final TracebridgeConfig config;
    private final Clock clock;

    public FeedbackByRequestService(PendingFeedbackStore store, TracebridgeConfig config, Clock clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    public Uni<PendingFeedbackStore.Outcome> log(String clientRequestId, Long experimentId, UserFeedback f) {
        long now = clock.millis();
        Assessment feedback = new Assessment(AssessmentService.newAssessmentId(), null, f.name(),
                Assessment.Kind.FEEDBACK, f.valueJson(), null, null, f.rationale(), f.sourceType(), f.sourceId(),
                null, f.metadata(), null, true, now, now);
        String pendingId = "pf-" + UUID.randomUUID().toString().replace("-", "");
        return store.log(clientRequestId, experimentId, feedback, pendingId,
                now + config.feedback().pendingTtl().toMillis());
    }
}

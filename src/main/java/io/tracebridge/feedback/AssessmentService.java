package io.tracebridge.feedback;

import java.time.Clock;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.AssessmentStore;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Assessment use cases with MLflow's semantics (docs/mlflow-compatibility.md §1.6, §4.3). */
@ApplicationScoped
public class AssessmentService {
    private final AssessmentStore store;
    private final Clock clock;

    public AssessmentService(AssessmentStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static String newAssessmentId() {
        return "a-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A new assessment on {@code traceId} (the path's trace ID wins over one in the body). */
    public Uni<Assessment> create(String traceId, NewAssessment a) {
        long created = a.createTimeMs() != null ? a.createTimeMs() : clock.millis();
        // As MLflow's Assessment entity: times the client sent are kept; an absent create time is
        // the server's clock, an absent last-update time the create time (so both are equal).
        long updated = a.lastUpdateTimeMs() != null ? a.lastUpdateTimeMs() : created;
        return store.create(new Assessment(newAssessmentId(), traceId, a.name(), a.kind(), a.value().json(),
                a.value().errorJson(), a.value().serializedFormat(), a.rationale(), a.sourceType(), a.sourceId(),
                a.spanId(), a.metadata(), a.overrides(), a.valid(), created, updated));
    }

    public Uni<Assessment> get(String traceId, String assessmentId) {
        return store.get(traceId, assessmentId);
    }

    public Uni<Void> delete(String traceId, String assessmentId) {
        return store.delete(traceId, assessmentId);
    }

    /** Applies a patch; source, span and create time never change, metadata is merged. */
    public Uni<Assessment> update(String traceId, String assessmentId, AssessmentPatch patch) {
        long now = clock.millis();
        return store.update(traceId, assessmentId, old -> {
            if (patch.feedback() != null && old.kind() != Assessment.Kind.FEEDBACK) {
                throw MlflowException.invalid("Cannot set a feedback value on expectation '" + assessmentId + "'.");
            }
            if (patch.expectation() != null && old.kind() != Assessment.Kind.EXPECTATION) {
                throw MlflowException.invalid("Cannot set an expectation value on feedback '" + assessmentId + "'.");
            }
            AssessmentValue v = patch.feedback() != null ? patch.feedback() : patch.expectation();
            Map<String, String> mergedMetadata = new LinkedHashMap<>(old.metadata());
            if (patch.metadata() != null) {
                mergedMetadata.putAll(patch.metadata());
            }
            return new Assessment(old.assessmentId(), old.traceId(), patch.name() != null ? patch.name() : old.name(),
                    old.kind(), v != null ? v.json() : old.valueJson(), v != null ? v.errorJson() : old.errorJson(),
                    v != null ? v.serializedFormat() : old.serializedFormat(),
                    patch.setRationale() ? patch.rationale() : old.rationale(), old.sourceType(), old.sourceId(),
                    old.spanId(), mergedMetadata, old.overrides(), old.valid(), old.createTimeMs(), now);
        });
    }
}

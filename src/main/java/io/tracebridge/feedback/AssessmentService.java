package io.tracebridge.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.tracebridge.api.AssessmentJson;
import io.tracebridge.api.Requests;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.AssessmentStore;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Assessment use cases with MLflow's semantics (docs/mlflow-compatibility.md §1.6, §4.3). */
@ApplicationScoped
public class AssessmentService {
    static final Set<String> UPDATABLE = Set.of("assessment_name", "expectation", "feedback", "rationale", "metadata");

    private final AssessmentStore store;

    public AssessmentService(AssessmentStore store) {
        this.store = store;
    }

    public static String newAssessmentId() {
        return "a-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** The path's trace ID wins over one in the body. */
    public Uni<Assessment> create(String traceId, JsonNode assessment) {
        Assessment a = AssessmentJson.parseNew(assessment, newAssessmentId(), traceId, System.currentTimeMillis());
        return store.create(a);
    }

    public Uni<Assessment> get(String traceId, String assessmentId) {
        return store.get(traceId, assessmentId);
    }

    public Uni<Void> delete(String traceId, String assessmentId) {
        return store.delete(traceId, assessmentId);
    }

    /**
     * Applies the fields named by {@code updateMask} (a FieldMask: comma-joined string in camelCase
     * or snake_case, or {@code {"paths": [...]}}); without a mask, the updatable fields present in
     * the body. Metadata is merged; source, span and create time never change.
     */
    public Uni<Assessment> update(String traceId, String assessmentId, JsonNode assessment, JsonNode updateMask) {
        if (!assessment.isObject()) {
            throw MlflowException.invalid("Missing value for required parameter 'assessment'.");
        }
        Set<String> paths = paths(updateMask, assessment);
        if (paths.contains("feedback") && paths.contains("expectation")) {
            throw MlflowException.invalid("An update cannot set both 'feedback' and 'expectation'.");
        }
        String name = paths.contains("assessment_name") ? AssessmentJson.name(Requests.text(assessment, "assessment_name")) : null;
        AssessmentJson.Value feedback = paths.contains("feedback")
                ? AssessmentJson.feedback(object(assessment, "feedback")) : null;
        AssessmentJson.Value expectation = paths.contains("expectation")
                ? AssessmentJson.expectation(object(assessment, "expectation")) : null;
        Map<String, String> metadata = paths.contains("metadata")
                ? AssessmentJson.metadata(Requests.field(assessment, "metadata")) : null;
        boolean setRationale = paths.contains("rationale");
        String rationale = Requests.text(assessment, "rationale");
        long now = System.currentTimeMillis();
        return store.update(traceId, assessmentId, old -> {
            if (feedback != null && old.kind() != Assessment.Kind.FEEDBACK) {
                throw MlflowException.invalid("Cannot set a feedback value on expectation '" + assessmentId + "'.");
            }
            if (expectation != null && old.kind() != Assessment.Kind.EXPECTATION) {
                throw MlflowException.invalid("Cannot set an expectation value on feedback '" + assessmentId + "'.");
            }
            AssessmentJson.Value v = feedback != null ? feedback : expectation;
            Map<String, String> mergedMetadata = new LinkedHashMap<>(old.metadata());
            if (metadata != null) {
                mergedMetadata.putAll(metadata);
            }
            return new Assessment(old.assessmentId(), old.traceId(), name != null ? name : old.name(), old.kind(),
                    v != null ? v.json() : old.valueJson(), v != null ? v.errorJson() : old.errorJson(),
                    v != null ? v.serializedFormat() : old.serializedFormat(),
                    setRationale ? rationale : old.rationale(), old.sourceType(), old.sourceId(), old.spanId(),
                    mergedMetadata, old.overrides(), old.valid(), old.createTimeMs(), now);
        });
    }

    private static JsonNode object(JsonNode parent, String field) {
        JsonNode n = Requests.field(parent, field);
        if (!n.isObject()) {
            throw MlflowException.invalid("update_mask names '" + field + "' but the assessment has no '" + field + "'.");
        }
        return n;
    }

    static Set<String> paths(JsonNode mask, JsonNode assessment) {
        Set<String> out = new LinkedHashSet<>();
        String joined = null;
        if (mask.isTextual()) {
            joined = mask.textValue();
        } else if (mask.isObject() && mask.path("paths").isArray()) {
            StringBuilder b = new StringBuilder();
            mask.path("paths").forEach(p -> b.append(p.asText()).append(','));
            joined = b.toString();
        }
        if (joined == null || joined.isBlank()) {
            for (String f : UPDATABLE) {
                if (!Requests.field(assessment, f).isNull()) {
                    out.add(f);
                }
            }
            return out;
        }
        for (String p : joined.split(",")) {
            String path = snake(p.trim());
            if (path.isEmpty()) {
                continue;
            }
            if (!UPDATABLE.contains(path)) {
                throw MlflowException.invalid("Invalid update_mask path '" + p.trim() + "'. Updatable fields are "
                        + UPDATABLE);
            }
            out.add(path);
        }
        return out;
    }

    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}

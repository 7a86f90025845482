package io.tracebridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracebridge.feedback.AssessmentPatch;
import io.tracebridge.feedback.AssessmentValue;
import io.tracebridge.feedback.NewAssessment;
import io.tracebridge.feedback.UserFeedback;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads MLflow {@code Assessment} JSON (docs/mlflow-compatibility.md §1.6) into the feedback use cases' commands
 * ({@link NewAssessment}, {@link AssessmentPatch}, {@link UserFeedback}), with MLflow's validation:
 * a name, a source, exactly one of feedback or expectation, and a feedback value or error.
 */
public final class AssessmentJson {
    public static final Set<String> SOURCE_TYPES = Set.of("SOURCE_TYPE_UNSPECIFIED", "HUMAN", "LLM_JUDGE", "CODE");
    public static final int MAX_NAME_LENGTH = 250;
    static final String DEFAULT_FEEDBACK_NAME = "feedback";
    static final Set<String> UPDATABLE = Set.of("assessment_name", "expectation", "feedback", "rationale", "metadata");

    private AssessmentJson() {
    }

    /** A CreateAssessment's {@code assessment}, validated; the service gives it its ID and missing times. */
    public static NewAssessment parseNew(JsonNode a) {
        if (a.isNull() || a.isMissingNode() || !a.isObject()) {
            throw MlflowException.invalid("Missing value for required parameter 'assessment'.");
        }
        String name = name(Requests.text(a, "assessment_name"));
        JsonNode source = Requests.field(a, "source");
        if (!source.isObject()) {
            throw MlflowException.invalid("Missing value for required parameter 'assessment.source'.");
        }
        String sourceType = sourceType(Requests.text(source, "source_type"));
        String sourceId = Requests.text(source, "source_id");
        JsonNode feedback = Requests.field(a, "feedback");
        JsonNode expectation = Requests.field(a, "expectation");
        boolean hasFeedback = feedback.isObject();
        boolean hasExpectation = expectation.isObject();
        if (hasFeedback == hasExpectation) {
            throw MlflowException.invalid("An assessment must have exactly one of 'feedback' or 'expectation'.");
        }
        AssessmentValue v = hasFeedback ? feedback(feedback) : expectation(expectation);
        return new NewAssessment(name, hasFeedback ? Assessment.Kind.FEEDBACK : Assessment.Kind.EXPECTATION,
                v, Requests.text(a, "rationale"), sourceType, sourceId == null ? "" : sourceId,
                Requests.blankToNull(Requests.text(a, "span_id")), metadata(Requests.field(a, "metadata")),
                Requests.blankToNull(Requests.text(a, "overrides")),
                !Requests.field(a, "valid").isBoolean() || Requests.field(a, "valid").booleanValue(),
                time(Requests.field(a, "create_time")), time(Requests.field(a, "last_update_time")));
    }

    /**
     * An UpdateAssessment: the fields named by {@code updateMask} (a FieldMask: comma-joined
     * string in camelCase or snake_case, or {@code {"paths": [...]}}); without a mask, the
     * updatable fields present in the body.
     */
    public static AssessmentPatch patch(JsonNode assessment, JsonNode updateMask) {
        if (!assessment.isObject()) {
            throw MlflowException.invalid("Missing value for required parameter 'assessment'.");
        }
        Set<String> paths = paths(updateMask, assessment);
        if (paths.contains("feedback") && paths.contains("expectation")) {
            throw MlflowException.invalid("An update cannot set both 'feedback' and 'expectation'.");
        }
        return new AssessmentPatch(
                paths.contains("assessment_name") ? name(Requests.text(assessment, "assessment_name")) : null,
                paths.contains("feedback") ? feedback(object(assessment, "feedback")) : null,
                paths.contains("expectation") ? expectation(object(assessment, "expectation")) : null,
                paths.contains("metadata") ? metadata(Requests.field(assessment, "metadata")) : null,
                paths.contains("rationale"), Requests.text(assessment, "rationale"));
    }

    /** Tracebridge's feedback by client request ID: {@code {name?, value, rationale?, source_type?, source_id?, metadata?}}. */
    public static UserFeedback userFeedback(JsonNode body, String userHeader) {
        JsonNode value = Requests.field(body, "value");
        if (value.isNull() || value.isMissingNode()) {
            throw MlflowException.invalid("Missing value for required parameter 'value'.");
        }
        String name = Requests.text(body, "name");
        String sourceType = Requests.text(body, "source_type");
        String sourceId = Requests.text(body, "source_id");
        return new UserFeedback(name(name == null ? DEFAULT_FEEDBACK_NAME : name), value.toString(),
                Requests.text(body, "rationale"), sourceType(sourceType == null ? "HUMAN" : sourceType),
                sourceId != null ? sourceId : userHeader != null ? userHeader : "",
                metadata(Requests.field(body, "metadata")));
    }

    public static AssessmentValue feedback(JsonNode f) {
        JsonNode value = Requests.field(f, "value");
        JsonNode error = Requests.field(f, "error");
        boolean hasError = error.isObject() && !error.isEmpty();
        if ((value.isNull() || value.isMissingNode()) && !hasError) {
            throw MlflowException.invalid("Feedback value cannot be null without an error; "
                    + "set 'feedback.value' or 'feedback.error'.");
        }
        return new AssessmentValue(value.isNull() || value.isMissingNode() ? null : value.toString(),
                hasError ? error.toString() : null, null);
    }

    public static AssessmentValue expectation(JsonNode e) {
        JsonNode value = Requests.field(e, "value");
        JsonNode serialized = Requests.field(e, "serialized_value");
        boolean hasValue = !value.isNull() && !value.isMissingNode();
        boolean hasSerialized = serialized.isObject();
        if (hasValue == hasSerialized) {
            throw MlflowException.invalid("An expectation must have exactly one of 'value' or 'serialized_value'.");
        }
        if (hasValue) {
            return new AssessmentValue(value.toString(), null, null);
        }
        String format = Requests.required(Requests.text(serialized, "serialization_format"),
                "expectation.serialized_value.serialization_format");
        JsonNode text = Requests.field(serialized, "value");
        if (!text.isTextual()) {
            throw MlflowException.invalid("'expectation.serialized_value.value' must be a string.");
        }
        return new AssessmentValue(text.toString(), null, format);
    }

    public static String name(String name) {
        Requests.required(name, "assessment_name");
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw MlflowException.invalid("Invalid assessment_name '" + name + "': it must be 1 to "
                    + MAX_NAME_LENGTH + " characters.");
        }
        return name;
    }

    public static String sourceType(String type) {
        Requests.required(type, "assessment.source.source_type");
        if (!SOURCE_TYPES.contains(type)) {
            throw MlflowException.invalid("Invalid source_type '" + type + "'. Valid values are " + SOURCE_TYPES);
        }
        return type;
    }

    public static Map<String, String> metadata(JsonNode m) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m.isNull() || m.isMissingNode()) {
            return out;
        }
        if (!m.isObject()) {
            throw MlflowException.invalid("'metadata' must be an object of string values.");
        }
        m.fields().forEachRemaining(e -> out.put(e.getKey(),
                e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        return out;
    }

    /** A google.protobuf.Timestamp as RFC 3339 text, or epoch ms as a number; null when absent. */
    static Long time(JsonNode t) {
        if (t.isNull() || t.isMissingNode()) {
            return null;
        }
        if (t.isNumber()) {
            return t.asLong();
        }
        if (t.isObject()) {
            return t.path("seconds").asLong() * 1000 + t.path("nanos").asLong() / 1_000_000;
        }
        try {
            return Instant.parse(t.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw MlflowException.invalid("Invalid timestamp '" + t.asText() + "': expected RFC 3339, e.g. "
                    + "2025-06-04T00:17:06.901Z");
        }
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

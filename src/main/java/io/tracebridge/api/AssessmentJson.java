package io.tracebridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads MLflow {@code Assessment} JSON (docs/mlflow-compatibility.md §1.6) into the model, with MLflow's validation:
 * a name, a source, exactly one of feedback or expectation, and a feedback value or error.
 */
public final class AssessmentJson {
    public static final Set<String> SOURCE_TYPES = Set.of("SOURCE_TYPE_UNSPECIFIED", "HUMAN", "LLM_JUDGE", "CODE");
    public static final int MAX_NAME_LENGTH = 250;

    private AssessmentJson() {
    }

    /** A new assessment; the caller sets the ID. Times default to {@code nowMs}. */
    public static Assessment parseNew(JsonNode a, String assessmentId, String traceId, long nowMs) {
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
        Value v = hasFeedback ? feedback(feedback) : expectation(expectation);
        // As MLflow's Assessment entity: times the client sent are kept; an absent create time is
        // the server's clock, an absent last-update time the create time (so both are equal).
        long created = time(Requests.field(a, "create_time"), nowMs);
        long updated = time(Requests.field(a, "last_update_time"), created);
        return new Assessment(assessmentId, traceId, name,
                hasFeedback ? Assessment.Kind.FEEDBACK : Assessment.Kind.EXPECTATION,
                v.json(), v.errorJson(), v.serializedFormat(), Requests.text(a, "rationale"), sourceType,
                sourceId == null ? "" : sourceId, Requests.blankToNull(Requests.text(a, "span_id")),
                metadata(Requests.field(a, "metadata")), Requests.blankToNull(Requests.text(a, "overrides")),
                !Requests.field(a, "valid").isBoolean() || Requests.field(a, "valid").booleanValue(),
                created, updated);
    }

    /** A value in stored form: JSON text, feedback error JSON, expectation serialization format. */
    public record Value(String json, String errorJson, String serializedFormat) {
    }

    public static Value feedback(JsonNode f) {
        JsonNode value = Requests.field(f, "value");
        JsonNode error = Requests.field(f, "error");
        boolean hasError = error.isObject() && !error.isEmpty();
        if ((value.isNull() || value.isMissingNode()) && !hasError) {
            throw MlflowException.invalid("Feedback value cannot be null without an error; "
                    + "set 'feedback.value' or 'feedback.error'.");
        }
        return new Value(value.isNull() || value.isMissingNode() ? null : value.toString(),
                hasError ? error.toString() : null, null);
    }

    public static Value expectation(JsonNode e) {
        JsonNode value = Requests.field(e, "value");
        JsonNode serialized = Requests.field(e, "serialized_value");
        boolean hasValue = !value.isNull() && !value.isMissingNode();
        boolean hasSerialized = serialized.isObject();
        if (hasValue == hasSerialized) {
            throw MlflowException.invalid("An expectation must have exactly one of 'value' or 'serialized_value'.");
        }
        if (hasValue) {
            return new Value(value.toString(), null, null);
        }
        String format = Requests.required(Requests.text(serialized, "serialization_format"),
                "expectation.serialized_value.serialization_format");
        JsonNode text = Requests.field(serialized, "value");
        if (!text.isTextual()) {
            throw MlflowException.invalid("'expectation.serialized_value.value' must be a string.");
        }
        return new Value(text.toString(), null, format);
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

    /** A google.protobuf.Timestamp as RFC 3339 text, or epoch ms as a number; {@code dflt} when absent. */
    static long time(JsonNode t, long dflt) {
        if (t.isNull() || t.isMissingNode()) {
            return dflt;
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
}

package io.tracebridge.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracebridge.model.Assessment;
import io.vertx.mutiny.sqlclient.Row;

import java.util.Map;
import java.util.TreeMap;

/** Maps rows of {@code assessments} to the model. */
final class AssessmentRows {
    static final String COLUMNS = "assessment_id, trace_id, name, kind, value_json, error_json, serialized_format, "
            + "rationale, source_type, source_id, span_id, metadata_json, overrides, valid, create_time, last_update_time";
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;
    private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() {
    };

    private AssessmentRows() {
    }

    static Assessment fromRow(Row r) {
        return new Assessment(
                r.getString("assessment_id"),
                r.getString("trace_id"),
                r.getString("name"),
                Assessment.Kind.valueOf(r.getString("kind")),
                r.getString("value_json"),
                r.getString("error_json"),
                r.getString("serialized_format"),
                r.getString("rationale"),
                r.getString("source_type"),
                r.getString("source_id"),
                r.getString("span_id"),
                metadata(r.getString("metadata_json")),
                r.getString("overrides"),
                r.getBoolean("valid"),
                r.getLong("create_time"),
                r.getLong("last_update_time"));
    }

    /** The search columns for a JSON value: its text (strings unquoted) and its number, if it is one. */
    record SearchValue(String text, Double number) {
    }

    static SearchValue searchValue(String valueJson) {
        if (valueJson == null) {
            return new SearchValue(null, null);
        }
        try {
            var node = MAPPER.readTree(valueJson);
            if (node.isTextual()) {
                return new SearchValue(node.textValue(), null);
            }
            if (node.isNumber()) {
                // 1e400 parses as Infinity: no number to search or average (it would poison sums).
                double d = node.doubleValue();
                return new SearchValue(valueJson, Double.isFinite(d) ? d : null);
            }
            return new SearchValue(valueJson, null);
        } catch (Exception e) {
            return new SearchValue(valueJson, null);
        }
    }

    static Map<String, String> metadata(String json) {
        try {
            return json == null ? Map.of() : new TreeMap<>(MAPPER.readValue(json, MAP));
        } catch (Exception e) {
            return Map.of();
        }
    }

    static String metadataJson(Map<String, String> metadata) {
        try {
            return MAPPER.writeValueAsString(new TreeMap<>(metadata));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

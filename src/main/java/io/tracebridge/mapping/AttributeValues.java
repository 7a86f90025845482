package io.tracebridge.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads OTLP {@link AnyValue}s the way MLflow does (docs/mlflow-compatibility.md §1.5): values are stored as
 * received, and when a trace-level field is derived from one, a string that is itself a JSON
 * string literal (the MLflow SDK JSON-encodes every attribute) is unwrapped once.
 */
public final class AttributeValues {
    static final ObjectMapper JSON = io.tracebridge.model.SharedJson.MAPPER;

    private AttributeValues() {
    }

    /** Native Java value: String, Boolean, Long, Double, List, Map, or base64 String for bytes. */
    public static Object toJava(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE:
                return v.getStringValue();
            case BOOL_VALUE:
                return v.getBoolValue();
            case INT_VALUE:
                return v.getIntValue();
            case DOUBLE_VALUE:
                return v.getDoubleValue();
            case ARRAY_VALUE: {
                List<Object> out = new ArrayList<>(v.getArrayValue().getValuesCount());
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    out.add(toJava(e));
                }
                return out;
            }
            case KVLIST_VALUE: {
                Map<String, Object> out = new LinkedHashMap<>();
                for (KeyValue kv : v.getKvlistValue().getValuesList()) {
                    out.put(kv.getKey(), toJava(kv.getValue()));
                }
                return out;
            }
            case BYTES_VALUE:
                return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
            default:
                return null;
        }
    }

    /**
     * The value as text for a tag or metadata entry: strings unwrapped from a JSON string
     * literal, other types JSON-encoded (as MLflow does for resource attributes).
     */
    public static String asText(AnyValue v) {
        if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
            return unwrapJsonString(v.getStringValue());
        }
        Object o = toJava(v);
        if (o == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            return String.valueOf(o);
        }
    }

    /**
     * An identifier (session, user, request ID): a non-blank string (JSON-unwrapped), an integer,
     * or the first element of an array of such (OTel HTTP instrumentation captures headers as
     * string arrays).
     */
    public static Optional<String> identifier(AnyValue v) {
        String s;
        switch (v.getValueCase()) {
            case STRING_VALUE:
                s = unwrapJsonString(v.getStringValue());
                break;
            case INT_VALUE:
                s = Long.toString(v.getIntValue());
                break;
            case ARRAY_VALUE:
                return v.getArrayValue().getValuesCount() == 0
                        ? Optional.empty()
                        : identifier(v.getArrayValue().getValues(0));
            default:
                return Optional.empty();
        }
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    /** {@code "\"abc\""} becomes {@code abc}; anything else is returned unchanged. */
    public static String unwrapJsonString(String s) {
        if (s != null && s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
            try {
                JsonNode n = JSON.readTree(s);
                if (n != null && n.isTextual()) {
                    return n.textValue();
                }
            } catch (JsonProcessingException e) {
                return s;
            }
        }
        return s;
    }
}

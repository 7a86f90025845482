package io.tracebridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;

import java.io.IOException;
import io.tracebridge.mapping.Text;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reading MLflow request messages: JSON bodies with snake_case (or camelCase) names, query
 * parameters for GET, and MLflow-worded errors for missing or malformed values.
 */
public final class Requests {
    /** Deepest nesting a REST body may have (Jackson's own default is 1,000). */
    static final int MAX_DEPTH = io.tracebridge.model.SharedJson.MAX_DEPTH;
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;

    private Requests() {
    }

    /** Parses a JSON body; an empty body is an empty object. */
    public static JsonNode body(String body) {
        if (body == null || body.isBlank()) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw new MlflowException(ErrorCode.MALFORMED_REQUEST, "Request body must be a JSON object");
            }
            requireStorable(n, "");
            return n;
        } catch (IOException e) {
            throw new MlflowException(ErrorCode.MALFORMED_REQUEST, "Malformed JSON request body");
        }
    }

    /**
     * Refuses a body holding text PostgreSQL cannot store (U+0000, or an unpaired UTF-16
     * surrogate, which JSON can spell as {@code \\ud800}) in any string value or field name, with
     * 400 INVALID_PARAMETER_VALUE naming the field by its path in the body ({@code tags[0].key}).
     * Checked once for the whole body, before any field is read, so no field can miss it.
     */
    static void requireStorable(JsonNode node, String path) {
        java.util.ArrayDeque<Object> at = new java.util.ArrayDeque<>();
        if (!path.isEmpty()) {
            at.addLast(path);
        }
        requireStorable(node, at);
    }

    /**
     * The walk keeps the path as a stack of keys and indexes and spells it only for the error: a
     * path string per level would cost memory growing with the square of the depth.
     */
    private static void requireStorable(JsonNode node, java.util.ArrayDeque<Object> at) {
        if (at.size() > MAX_DEPTH) {
            throw MlflowException.invalid("The request body is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (node.isTextual()) {
            String problem = Text.problem(node.textValue());
            if (problem != null) {
                throw MlflowException.invalid("'" + (at.isEmpty() ? "body" : spell(at)) + "' contains " + problem
                        + ", which cannot be stored");
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String problem = Text.problem(e.getKey());
                if (problem != null) {
                    throw MlflowException.invalid((at.isEmpty() ? "A field name" : "A key in '" + spell(at) + "'")
                            + " contains " + problem + ", which cannot be stored");
                }
                at.addLast(e.getKey());
                requireStorable(e.getValue(), at);
                at.removeLast();
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                at.addLast(i);
                requireStorable(node.get(i), at);
                at.removeLast();
            }
        }
    }

    private static String spell(java.util.ArrayDeque<Object> at) {
        StringBuilder b = new StringBuilder();
        for (Object part : at) {
            if (part instanceof Integer i) {
                b.append('[').append(i).append(']');
            } else {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(part);
            }
        }
        return b.toString();
    }

    /**
     * Refuses a text parameter (query, path, header or body field) holding U+0000 or an unpaired
     * surrogate: "'name' contains a NUL character (U+0000), which cannot be stored".
     */
    public static String requireStorable(String value, String name) {
        String problem = Text.problem(value);
        if (problem != null) {
            throw MlflowException.invalid("'" + name + "' contains " + problem + ", which cannot be stored");
        }
        return value;
    }

    /** The field under its snake_case name or its camelCase alias; a missing field is JSON null. */
    public static JsonNode field(JsonNode obj, String snakeName) {
        JsonNode n = obj.get(snakeName);
        if (n == null || n.isNull()) {
            n = obj.get(camel(snakeName));
        }
        return n == null ? NullNode.getInstance() : n;
    }

    public static String text(JsonNode obj, String snakeName) {
        JsonNode n = field(obj, snakeName);
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (!n.isValueNode()) {
            throw MlflowException.invalid("Invalid value for parameter '" + snakeName + "': expected a string");
        }
        return n.asText();
    }

    /** A field holding a list of strings, or one string (as MLflow's clients send order_by). */
    public static List<String> strings(JsonNode obj, String snakeName) {
        List<String> out = new ArrayList<>();
        JsonNode n = field(obj, snakeName);
        if (n.isArray()) {
            n.forEach(o -> out.add(o.asText()));
        } else if (n.isTextual()) {
            out.add(n.asText());
        }
        return out;
    }

    public static String required(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw MlflowException.invalid("Missing value for required parameter '" + name + "'.");
        }
        return value;
    }

    /** Null for a missing or blank value (optional parameters). */
    public static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** An int parameter given as a number or numeric string; null when absent. */
    public static Integer integer(String value, String name) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalid("Invalid value '" + value + "' for parameter '" + name
                    + "': expected an integer");
        }
    }

    /** MLflow experiment IDs are integers held in strings. */
    public static long experimentId(String value) {
        required(value, "experiment_id");
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalid("Invalid experiment ID: '" + value + "'");
        }
    }

    /** Booleans as the Python client spells them too ({@code False}, {@code True}). */
    public static boolean bool(String value, boolean dflt) {
        if (value == null || value.isBlank()) {
            return dflt;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw MlflowException.invalid("Invalid boolean value '" + value + "'");
        };
    }

    static String camel(String snake) {
        StringBuilder b = new StringBuilder(snake.length());
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }
}

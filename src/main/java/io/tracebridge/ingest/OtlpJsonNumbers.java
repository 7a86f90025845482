package io.tracebridge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Checks every number of an OTLP/JSON body before protobuf's {@code JsonFormat} sees it.
 * {@code JsonFormat} is not safe on hostile numbers: up to protobuf-java-util 4.33.5 it expands
 * {@code "1e100000000"} in a uint64 or uint32 field (timestamps, counts, flags) to a
 * hundred-million-digit integer before its range check (upstream protobuf issue #26032), so one
 * 200-byte body took minutes of CPU. Whatever the library version, nothing expensive reaches it:
 * <ul>
 *   <li>integer fields (every int, uint, sint, fixed and sfixed type, and enums given as a
 *   number) take a JSON integer or a string of decimal digits with an optional minus sign, at
 *   most {@value #MAX_INTEGER_CHARS} characters: no exponent and no fraction. proto3 JSON would
 *   also accept {@code 1e3} or {@code 1.0}, but no OTLP exporter writes integers that way, and
 *   refusing them is what keeps the exponent out;</li>
 *   <li>double and float fields take a JSON number or a numeric string of at most
 *   {@value #MAX_FLOAT_CHARS} characters that is finite as a double ({@code 1e999999} is out of
 *   range, as for {@code JsonFormat}), or {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.</li>
 * </ul>
 * Fields are found by walking the request's message descriptor, by JSON name or proto field name
 * as {@code JsonFormat} does; a quoted number in a string field (an attribute's
 * {@code stringValue}) is text and is left alone. Unknown fields are skipped by the parser and
 * need no check. Jackson's own limit on number tokens ({@link OtlpJson}) comes first.
 */
final class OtlpJsonNumbers {
    static final int MAX_INTEGER_CHARS = 32;
    static final int MAX_FLOAT_CHARS = 64;
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("-?[0-9]+");
    private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();

    private OtlpJsonNumbers() {
    }

    /** Throws a 400 {@link OtlpException} naming the first field whose number is refused. */
    static void check(JsonNode node, Descriptor type) {
        if (!node.isObject()) {
            return; // not a message: JsonFormat answers the type error itself
        }
        Map<String, FieldDescriptor> fields = FIELDS.computeIfAbsent(type, OtlpJsonNumbers::fieldsByName);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldDescriptor field = fields.get(e.getKey());
            if (field == null) {
                continue;
            }
            JsonNode value = e.getValue();
            if (field.isRepeated() && value.isArray()) {
                for (JsonNode element : value) {
                    checkValue(e.getKey(), field, element);
                }
            } else {
                checkValue(e.getKey(), field, value);
            }
        }
    }

    private static void checkValue(String name, FieldDescriptor field, JsonNode value) {
        switch (field.getJavaType()) {
            case MESSAGE -> check(value, field.getMessageType());
            case INT, LONG -> checkInteger(name, value);
            case ENUM -> {
                // An enum is a name or a number; a name is looked up, a number parsed.
                if (value.isNumber() || value.isTextual() && looksNumeric(value.textValue())) {
                    checkInteger(name, value);
                }
            }
            case FLOAT, DOUBLE -> checkFloat(name, value);
            default -> {
                // strings, bytes and booleans: no number to parse
            }
        }
    }

    private static void checkInteger(String name, JsonNode value) {
        String text;
        if (value.isIntegralNumber() || value.isTextual()) {
            text = value.asText();
        } else if (value.isNumber()) {
            throw refused(name, value.asText(), "is not an integer: exponents and fractions are not accepted");
        } else {
            return; // not a number at all: JsonFormat answers the type error itself
        }
        if (text.length() > MAX_INTEGER_CHARS) {
            throw refused(name, text, "is longer than " + MAX_INTEGER_CHARS + " characters");
        }
        if (!DECIMAL_INTEGER.matcher(text).matches()) {
            throw refused(name, text, "is not an integer in decimal digits (exponents and fractions are not accepted)");
        }
    }

    private static void checkFloat(String name, JsonNode value) {
        if (value.isNumber()) {
            // Jackson has parsed it already (its token length is bounded); an overflow is infinite.
            if (value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue())) {
                throw refused(name, value.asText(), "is out of range for a double");
            }
            return;
        }
        if (!value.isTextual()) {
            return;
        }
        String text = value.textValue();
        if (text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity")) {
            return;
        }
        if (text.length() > MAX_FLOAT_CHARS) {
            throw refused(name, text, "is longer than " + MAX_FLOAT_CHARS + " characters");
        }
        double d;
        try {
            d = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw refused(name, text, "is not a number");
        }
        if (!Double.isFinite(d)) {
            throw refused(name, text, "is out of range for a double");
        }
    }

    private static boolean looksNumeric(String s) {
        return !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+' || s.charAt(0) == '.'
                || Character.isDigit(s.charAt(0)));
    }

    private static OtlpException refused(String field, String text, String why) {
        return new OtlpException(OtlpException.Kind.BAD_REQUEST,
                "Invalid OTLP JSON body: " + field + " '" + abbreviate(text) + "' " + why);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "... (" + s.length() + " characters)";
    }

    private static Map<String, FieldDescriptor> fieldsByName(Descriptor type) {
        Map<String, FieldDescriptor> byName = new HashMap<>();
        for (FieldDescriptor f : type.getFields()) {
            byName.put(f.getName(), f);
            byName.put(f.getJsonName(), f);
        }
        return byName;
    }
}

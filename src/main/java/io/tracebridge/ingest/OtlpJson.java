package io.tracebridge.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OTLP/JSON (OTLP specification, "JSON Protobuf Encoding"). It is proto3 JSON except that trace
 * and span IDs are hex strings, not base64: protobuf's own parser would read them as base64 and
 * silently produce wrong bytes, so IDs are converted before parsing. Numbers are checked before
 * parsing too ({@link OtlpJsonNumbers}): protobuf's parser is not safe on hostile numbers.
 */
public final class OtlpJson {
    /** Longest number token Jackson reads (the shared mapper's limit; its default is 1,000 characters). */
    static final int MAX_NUMBER_TOKEN_CHARS = io.tracebridge.model.SharedJson.MAX_NUMBER_CHARS;
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;
    private static final Set<String> ID_FIELDS = Set.of(
            "traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id");
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    /** Nesting bound: attribute values can nest, but a hostile body must not blow the stack. */
    private static final int MAX_DEPTH = io.tracebridge.model.SharedJson.MAX_DEPTH;

    private OtlpJson() {
    }

    public static ExportTraceServiceRequest parse(byte[] body) {
        return parse(new java.io.ByteArrayInputStream(body));
    }

    /** Parses from a stream (a decompressing one), so the body need not exist as one array. */
    public static ExportTraceServiceRequest parse(java.io.InputStream body) {
        JsonNode root = readTree(body);
        if (root == null || !root.isObject()) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP JSON body: expected a JSON object");
        }
        hexIdsToBase64(root, 0);
        OtlpJsonNumbers.check(root, ExportTraceServiceRequest.getDescriptor());
        ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
        try {
            PARSER.merge(MAPPER.writeValueAsString(root), b);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP JSON body: "
                    + firstLine(e.getMessage()));
        }
        return b.build();
    }

    private static JsonNode readTree(java.io.InputStream body) {
        try (JsonParser parser = MAPPER.createParser(body)) {
            try {
                return MAPPER.readTree(parser);
            } catch (StreamConstraintsException e) {
                // Jackson names no field; the parser knows where it stopped.
                String field = parser.getParsingContext() == null ? null : parser.getParsingContext().getCurrentName();
                throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP JSON body: "
                        + (field == null ? "a value" : field) + " exceeds a size limit: " + firstLine(e.getOriginalMessage()));
            }
        } catch (IOException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Invalid OTLP JSON body: "
                    + firstLine(e.getMessage()));
        }
    }

    public static String print(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void hexIdsToBase64(JsonNode node, int depth) {
        if (depth > MAX_DEPTH) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "Invalid OTLP JSON body: nested deeper than " + MAX_DEPTH + " levels");
        }
        if (node.isObject()) {
            ObjectNode obj = (ObjectNode) node;
            List<Map.Entry<String, JsonNode>> replace = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (ID_FIELDS.contains(e.getKey()) && e.getValue().isTextual()) {
                    replace.add(Map.entry(e.getKey(), new TextNode(hexToBase64(e.getKey(), e.getValue().textValue()))));
                } else {
                    hexIdsToBase64(e.getValue(), depth + 1);
                }
            }
            for (Map.Entry<String, JsonNode> e : replace) {
                obj.set(e.getKey(), e.getValue());
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                hexIdsToBase64(child, depth + 1);
            }
        }
    }

    private static String hexToBase64(String field, String hex) {
        if (hex.isEmpty()) {
            return hex;
        }
        try {
            return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "Invalid OTLP JSON body: " + field + " '" + abbreviate(hex) + "' is not a hex string");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package io.tracebridge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the spans of an MLflow {@code traces.json} artifact ({@code {"spans": [span dict, ...]}})
 * into an OTLP request, so the MLflow SDK's artifact upload can stand in for OTLP export.
 * Span and parent IDs may be 16 hex digits (span dict v4) or base64 (older dicts); attribute
 * values keep MLflow's encoding (strings as they are, other values as JSON).
 */
final class MlflowSpanDicts {
    private MlflowSpanDicts() {
    }

    static ExportTraceServiceRequest toRequest(JsonNode root, byte[] otelTraceId) {
        JsonNode spans = root.path("spans");
        if (!spans.isArray()) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "traces.json has no 'spans' list");
        }
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (JsonNode s : spans) {
            Span.Builder b = Span.newBuilder()
                    .setTraceId(ByteString.copyFrom(otelTraceId))
                    .setSpanId(ByteString.copyFrom(id(s.path("span_id").asText(""), 8)))
                    .setName(s.path("name").asText(""))
                    .setStartTimeUnixNano(s.path("start_time_unix_nano").asLong(s.path("start_time_ns").asLong(0)))
                    .setEndTimeUnixNano(s.path("end_time_unix_nano").asLong(s.path("end_time_ns").asLong(0)));
            String parent = s.path("parent_span_id").asText("");
            if (!parent.isEmpty() && !s.path("parent_span_id").isNull()) {
                b.setParentSpanId(ByteString.copyFrom(id(parent, 8)));
            }
            JsonNode status = s.path("status");
            String code = status.path("code").asText(status.path("status_code").asText("")).toUpperCase(Locale.ROOT);
            b.setStatus(Status.newBuilder()
                    .setCode(code.endsWith("ERROR") ? Status.StatusCode.STATUS_CODE_ERROR
                            : code.endsWith("OK") ? Status.StatusCode.STATUS_CODE_OK : Status.StatusCode.STATUS_CODE_UNSET)
                    .setMessage(status.path("message").asText(status.path("description").asText(""))));
            for (Iterator<Map.Entry<String, JsonNode>> it = s.path("attributes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                b.addAttributes(attribute(e.getKey(), e.getValue()));
            }
            for (JsonNode ev : s.path("events")) {
                Span.Event.Builder eb = Span.Event.newBuilder().setName(ev.path("name").asText(""))
                        .setTimeUnixNano(ev.path("time_unix_nano").asLong(ev.path("timestamp").asLong(0)));
                for (Iterator<Map.Entry<String, JsonNode>> it = ev.path("attributes").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    eb.addAttributes(attribute(e.getKey(), e.getValue()));
                }
                b.addEvents(eb);
            }
            scope.addSpans(b);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build();
    }

    private static KeyValue attribute(String key, JsonNode v) {
        return KeyValue.newBuilder().setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(v.isTextual() ? v.textValue() : v.toString())).build();
    }

    private static byte[] id(String text, int bytes) {
        try {
            if (text.length() == bytes * 2) {
                return HexFormat.of().parseHex(text);
            }
            byte[] b = Base64.getDecoder().decode(text);
            if (b.length == bytes) {
                return b;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "traces.json has an invalid span ID '" + text + "'");
    }
}

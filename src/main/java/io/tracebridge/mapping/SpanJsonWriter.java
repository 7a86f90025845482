package io.tracebridge.mapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracebridge.model.TraceIds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;

/**
 * Writes an OTel span as proto3 JSON with snake_case field names, the form MLflow's GetTrace
 * returns and its clients parse (docs/mlflow-compatibility.md §4.2): IDs base64, 64-bit integers as strings, enums
 * by name, default values omitted. Hand-written because it runs once per ingested span and
 * protobuf's reflective printer costs several times more.
 */
public final class SpanJsonWriter {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Base64.Encoder B64 = Base64.getEncoder();

    private SpanJsonWriter() {
    }

    /**
     * @param extra attributes appended after the span's own (derived MLflow attributes); the
     *              caller makes sure their keys are not already present
     */
    public static String write(Span span, List<KeyValue> extra) {
        SegmentedStringWriter out = new SegmentedStringWriter(new BufferRecycler());
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            bytes(g, "trace_id", span.getTraceId().toByteArray());
            bytes(g, "span_id", span.getSpanId().toByteArray());
            if (!span.getTraceState().isEmpty()) {
                g.writeStringField("trace_state", Text.clean(span.getTraceState()));
            }
            // The all-zero parent ID means "no parent" (OTel); it is left out, as for a root span.
            if (!span.getParentSpanId().isEmpty() && !TraceIds.allZero(span.getParentSpanId().toByteArray())) {
                bytes(g, "parent_span_id", span.getParentSpanId().toByteArray());
            }
            if (span.getFlags() != 0) {
                g.writeNumberField("flags", span.getFlags());
            }
            if (!span.getName().isEmpty()) {
                g.writeStringField("name", Text.clean(span.getName()));
            }
            if (span.getKindValue() != 0) {
                if (span.getKind() == Span.SpanKind.UNRECOGNIZED) {
                    g.writeNumberField("kind", span.getKindValue());
                } else {
                    g.writeStringField("kind", span.getKind().name());
                }
            }
            fixed64(g, "start_time_unix_nano", span.getStartTimeUnixNano());
            fixed64(g, "end_time_unix_nano", span.getEndTimeUnixNano());
            if (span.getAttributesCount() > 0 || !extra.isEmpty()) {
                g.writeArrayFieldStart("attributes");
                for (KeyValue kv : span.getAttributesList()) {
                    keyValue(g, kv);
                }
                for (KeyValue kv : extra) {
                    keyValue(g, kv);
                }
                g.writeEndArray();
            }
            count(g, "dropped_attributes_count", span.getDroppedAttributesCount());
            if (span.getEventsCount() > 0) {
                g.writeArrayFieldStart("events");
                for (Span.Event e : span.getEventsList()) {
                    g.writeStartObject();
                    fixed64(g, "time_unix_nano", e.getTimeUnixNano());
                    if (!e.getName().isEmpty()) {
                        g.writeStringField("name", Text.clean(e.getName()));
                    }
                    attributes(g, e.getAttributesList());
                    count(g, "dropped_attributes_count", e.getDroppedAttributesCount());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            count(g, "dropped_events_count", span.getDroppedEventsCount());
            if (span.getLinksCount() > 0) {
                g.writeArrayFieldStart("links");
                for (Span.Link l : span.getLinksList()) {
                    g.writeStartObject();
                    bytes(g, "trace_id", l.getTraceId().toByteArray());
                    bytes(g, "span_id", l.getSpanId().toByteArray());
                    if (!l.getTraceState().isEmpty()) {
                        g.writeStringField("trace_state", Text.clean(l.getTraceState()));
                    }
                    attributes(g, l.getAttributesList());
                    count(g, "dropped_attributes_count", l.getDroppedAttributesCount());
                    if (l.getFlags() != 0) {
                        g.writeNumberField("flags", l.getFlags());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            count(g, "dropped_links_count", span.getDroppedLinksCount());
            if (span.hasStatus()) {
                Status s = span.getStatus();
                g.writeObjectFieldStart("status");
                if (!s.getMessage().isEmpty()) {
                    g.writeStringField("message", Text.clean(s.getMessage()));
                }
                if (s.getCodeValue() != 0) {
                    if (s.getCode() == Status.StatusCode.UNRECOGNIZED) {
                        g.writeNumberField("code", s.getCodeValue());
                    } else {
                        g.writeStringField("code", s.getCode().name());
                    }
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.flush();
            return out.getAndClear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void attributes(JsonGenerator g, List<KeyValue> attrs) throws IOException {
        if (attrs.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("attributes");
        for (KeyValue kv : attrs) {
            keyValue(g, kv);
        }
        g.writeEndArray();
    }

    private static void keyValue(JsonGenerator g, KeyValue kv) throws IOException {
        g.writeStartObject();
        g.writeStringField("key", Text.clean(kv.getKey()));
        g.writeFieldName("value");
        anyValue(g, kv.getValue());
        g.writeEndObject();
    }

    private static void anyValue(JsonGenerator g, AnyValue v) throws IOException {
        g.writeStartObject();
        switch (v.getValueCase()) {
            case STRING_VALUE -> g.writeStringField("string_value", Text.clean(v.getStringValue()));
            case BOOL_VALUE -> g.writeBooleanField("bool_value", v.getBoolValue());
            case INT_VALUE -> g.writeStringField("int_value", Long.toString(v.getIntValue()));
            case DOUBLE_VALUE -> {
                double d = v.getDoubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    g.writeStringField("double_value", Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                } else {
                    g.writeNumberField("double_value", d);
                }
            }
            case BYTES_VALUE -> g.writeStringField("bytes_value", B64.encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                g.writeObjectFieldStart("array_value");
                g.writeArrayFieldStart("values");
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    anyValue(g, e);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            case KVLIST_VALUE -> {
                g.writeObjectFieldStart("kvlist_value");
                g.writeArrayFieldStart("values");
                for (KeyValue e : v.getKvlistValue().getValuesList()) {
                    keyValue(g, e);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            default -> {
                // VALUE_NOT_SET: an empty AnyValue, as proto3 JSON prints it
            }
        }
        g.writeEndObject();
    }

    private static void bytes(JsonGenerator g, String field, byte[] b) throws IOException {
        if (b.length > 0) {
            g.writeStringField(field, B64.encodeToString(b));
        }
    }

    private static void fixed64(JsonGenerator g, String field, long v) throws IOException {
        if (v != 0) {
            g.writeStringField(field, Long.toUnsignedString(v));
        }
    }

    private static void count(JsonGenerator g, String field, int v) throws IOException {
        if (v != 0) {
            g.writeNumberField(field, v);
        }
    }
}

package io.tracebridge.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracebridge.model.SpanAttributeKeys;
import io.tracebridge.model.TraceIds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns one OTLP export request into per-trace drafts (contract §3.3–§3.4, §8.2): validates IDs,
 * groups spans by MLflow trace ID, applies every attribute convention, and renders each span's
 * stored JSON. Pure logic: no I/O. Spans it cannot accept are counted with a reason.
 */
public final class TraceAssembler {
    private final List<AttributeConvention> conventions;
    private final ResourceTagConvention resourceTags = new ResourceTagConvention();

    public TraceAssembler() {
        this(Conventions.SPAN_CONVENTIONS);
    }

    public TraceAssembler(List<AttributeConvention> conventions) {
        this.conventions = conventions;
    }

    /** Drafts sorted by trace ID (the store locks trace rows in this order) and rejections. */
    public record Result(List<TraceDraft> drafts, int spanCount, Map<String, Integer> rejected) {
        public int rejectedCount() {
            int n = 0;
            for (int c : rejected.values()) {
                n += c;
            }
            return n;
        }
    }

    public Result assemble(ExportTraceServiceRequest request) {
        Map<String, TraceDraft> drafts = new TreeMap<>();
        Map<String, Integer> rejected = new LinkedHashMap<>();
        Map<TraceDraft, Set<List<KeyValue>>> resourcesApplied = new HashMap<>();
        int order = 0;
        int accepted = 0;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            List<KeyValue> resource = rs.getResource().getAttributesList();
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    String problem = validate(span);
                    if (problem != null) {
                        rejected.merge(problem, 1, Integer::sum);
                        continue;
                    }
                    byte[] otelTraceId = span.getTraceId().toByteArray();
                    String traceId = TraceIds.mlflowTraceId(otelTraceId);
                    TraceDraft draft = drafts.computeIfAbsent(traceId, id -> new TraceDraft(id, otelTraceId));
                    if (resourcesApplied.computeIfAbsent(draft, d -> Collections.newSetFromMap(new IdentityHashMap<>()))
                            .add(resource)) {
                        resourceTags.apply(resource, draft);
                    }
                    SpanView view = new SpanView(span, resource, order++);
                    for (AttributeConvention c : conventions) {
                        c.apply(view, draft);
                    }
                    draft.addSpan(toRecord(traceId, view));
                    accepted++;
                }
            }
        }
        return new Result(new ArrayList<>(drafts.values()), accepted, rejected);
    }

    /** Null when the span can be stored; otherwise the reason, phrased for the OTLP response. */
    static String validate(Span span) {
        byte[] traceId = span.getTraceId().toByteArray();
        if (traceId.length != 16 || TraceIds.allZero(traceId)) {
            return "invalid trace_id (must be 16 bytes, not all zero)";
        }
        byte[] spanId = span.getSpanId().toByteArray();
        if (spanId.length != 8 || TraceIds.allZero(spanId)) {
            return "invalid span_id (must be 8 bytes, not all zero)";
        }
        int parentLength = span.getParentSpanId().size();
        if (parentLength != 0 && parentLength != 8) {
            return "invalid parent_span_id (must be empty or 8 bytes)";
        }
        return null;
    }

    private static SpanRecord toRecord(String traceId, SpanView view) {
        Span span = view.span();
        List<KeyValue> extra = new ArrayList<>(2);
        if (view.attribute(SpanAttributeKeys.TRACE_REQUEST_ID) == null) {
            extra.add(jsonStringAttribute(SpanAttributeKeys.TRACE_REQUEST_ID, traceId));
        }
        String type = view.spanType() == null ? "UNKNOWN" : view.spanType();
        if (view.attribute(SpanAttributeKeys.SPAN_TYPE) == null && view.spanType() != null) {
            extra.add(jsonStringAttribute(SpanAttributeKeys.SPAN_TYPE, type));
        }
        long end = span.getEndTimeUnixNano();
        return new SpanRecord(
                traceId,
                TraceIds.hex(span.getSpanId().toByteArray()),
                span.getParentSpanId().isEmpty() ? null : TraceIds.hex(span.getParentSpanId().toByteArray()),
                span.getName(),
                type,
                statusName(span),
                Math.max(0, span.getStartTimeUnixNano()),
                end <= 0 ? null : end,
                SpanJsonWriter.write(span, extra));
    }

    static String statusName(Span span) {
        return switch (span.getStatus().getCode()) {
            case STATUS_CODE_OK -> "OK";
            case STATUS_CODE_ERROR -> "ERROR";
            default -> "UNSET";
        };
    }

    /** An attribute the way the MLflow SDK writes it: the value JSON-encoded into a string. */
    private static KeyValue jsonStringAttribute(String key, String value) {
        String encoded;
        try {
            encoded = AttributeValues.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            encoded = value;
        }
        return KeyValue.newBuilder().setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(encoded)).build();
    }
}

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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns one OTLP export request into per-trace drafts (docs/mlflow-compatibility.md §3.3–§3.4, §8.2): validates IDs,
 * groups spans by MLflow trace ID, applies every attribute convention, and renders each span's
 * stored JSON. Pure logic: no I/O. Spans it cannot accept are counted with a reason.
 */
public final class TraceAssembler {
    private final List<AttributeConvention> conventions;
    private final ResourceTagConvention resourceTags = new ResourceTagConvention();
    private final int maxSpans;
    private final AttributeLimiter attributeLimiter;
    private final SpanLimiter spanLimiter;

    /** The limits come from the configuration ({@code TracebridgeConfig.Ingest}), whose defaults are written once. */
    public TraceAssembler(int maxSpans, int maxAttributeChars, SpanLimiter.Limits spanLimits) {
        this.conventions = Conventions.SPAN_CONVENTIONS;
        this.maxSpans = maxSpans;
        this.attributeLimiter = new AttributeLimiter(maxAttributeChars);
        this.spanLimiter = new SpanLimiter(spanLimits);
    }

    /**
     * Drafts sorted by trace ID (the store locks trace rows in this order), how many spans were
     * accepted and rejected (by reason), how many attribute values and names were truncated, and
     * how many attributes and events the span limits dropped, and how many strings held NUL
     * characters or unpaired surrogates that were replaced with U+FFFD ({@link SpanText}).
     */
    public record Result(List<TraceDraft> drafts, int spanCount, Map<Rejection, Integer> rejected,
                         int truncatedValues, int truncatedNames, int droppedAttributes, int droppedEvents,
                         int replacedTexts, int droppedResourceTags) {
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
        Map<Rejection, Integer> rejected = new EnumMap<>(Rejection.class);
        Map<TraceDraft, Set<List<KeyValue>>> resourcesApplied = new HashMap<>();
        int order = 0;
        int accepted = 0;
        int truncated = 0;
        int names = 0;
        int droppedAttributes = 0;
        int droppedEvents = 0;
        int replaced = 0;
        ResourceTagConvention.Budget resourceTagBudget = new ResourceTagConvention.Budget();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            // Cleaned once per resource (the same list instance for all its spans), and counted
            // only when one of its spans is accepted: only then is it stored.
            SpanText.Cleaned<List<KeyValue>> cleanResource = SpanText.clean(rs.getResource().getAttributesList());
            List<KeyValue> resource = cleanResource.value();
            int resourceReplaced = cleanResource.replaced();
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span incoming : ss.getSpansList()) {
                    Rejection problem = accepted >= maxSpans ? Rejection.TOO_MANY_SPANS : validate(incoming);
                    if (problem != null) {
                        rejected.merge(problem, 1, Integer::sum);
                        continue;
                    }
                    SpanText.Cleaned<Span> clean = SpanText.clean(incoming);
                    replaced += clean.replaced() + resourceReplaced;
                    resourceReplaced = 0;
                    SpanLimiter.Limited shaped = spanLimiter.limit(clean.value());
                    names += shaped.truncatedNames();
                    droppedAttributes += shaped.droppedAttributes();
                    droppedEvents += shaped.droppedEvents();
                    AttributeLimiter.Limited limited = attributeLimiter.limit(shaped.span());
                    truncated += limited.truncatedValues();
                    Span span = limited.span();
                    byte[] otelTraceId = span.getTraceId().toByteArray();
                    String traceId = TraceIds.mlflowTraceId(otelTraceId);
                    TraceDraft draft = drafts.computeIfAbsent(traceId, id -> new TraceDraft(id, otelTraceId));
                    if (resourcesApplied.computeIfAbsent(draft, d -> Collections.newSetFromMap(new IdentityHashMap<>()))
                            .add(resource)) {
                        resourceTags.apply(resource, draft, resourceTagBudget);
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
        return new Result(new ArrayList<>(drafts.values()), accepted, rejected, truncated, names,
                droppedAttributes, droppedEvents, replaced, resourceTagBudget.dropped());
    }

    /** Null when the span can be stored; otherwise why not. */
    static Rejection validate(Span span) {
        byte[] traceId = span.getTraceId().toByteArray();
        if (traceId.length != 16 || TraceIds.allZero(traceId)) {
            return Rejection.INVALID_TRACE_ID;
        }
        byte[] spanId = span.getSpanId().toByteArray();
        if (spanId.length != 8 || TraceIds.allZero(spanId)) {
            return Rejection.INVALID_SPAN_ID;
        }
        int parentLength = span.getParentSpanId().size();
        if (parentLength != 0 && parentLength != 8) {
            return Rejection.INVALID_PARENT_SPAN_ID;
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
                view.isRoot() ? null : TraceIds.hex(span.getParentSpanId().toByteArray()),
                span.getName(),
                type,
                statusName(span),
                Math.max(0, span.getStartTimeUnixNano()),
                end <= 0 ? null : end,
                SpanJsonWriter.write(span, extra),
                TokenUsage.of(view));
    }

    /** A span with no parent, or with the invalid all-zero parent ID (OTel: no parent), is a root. */
    static boolean isRoot(Span span) {
        return span.getParentSpanId().isEmpty() || TraceIds.allZero(span.getParentSpanId().toByteArray());
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

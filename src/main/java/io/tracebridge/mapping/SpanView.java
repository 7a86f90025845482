package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One incoming span as the conventions see it: its attributes by key, its resource's
 * attributes, whether it is the trace's root, and the span type the conventions derive.
 */
public final class SpanView {
    private final Span span;
    private final List<KeyValue> resourceAttributes;
    private final Map<String, AnyValue> attributes;
    private final boolean root;
    private final int order;
    private String source;
    private String spanType;
    private int spanTypePrecedence = Integer.MAX_VALUE;

    SpanView(Span span, List<KeyValue> resourceAttributes, int order) {
        this.span = span;
        this.resourceAttributes = resourceAttributes;
        this.root = TraceAssembler.isRoot(span);
        this.order = order;
        this.attributes = new HashMap<>(span.getAttributesCount() * 2);
        for (KeyValue kv : span.getAttributesList()) {
            attributes.put(kv.getKey(), kv.getValue());
        }
    }

    public Span span() {
        return span;
    }

    public boolean isRoot() {
        return root;
    }

    /** Position of the span in its request; earlier offers win ties. */
    public int order() {
        return order;
    }

    public AnyValue attribute(String key) {
        return attributes.get(key);
    }

    public Map<String, AnyValue> attributes() {
        return attributes;
    }

    public List<KeyValue> resourceAttributes() {
        return resourceAttributes;
    }

    /**
     * Where a trace-level value from this span ranks among values from the trace's other spans of
     * the same rank (lower wins): the span's start time, zero-padded, then its span ID. A parent
     * never starts after its child, so an ancestor always beats its descendants; unrelated spans
     * go by who started first. The key depends on the span alone, so batches merge the same in
     * any order (docs/mapping.md, "Trace-level values from any span").
     */
    public String source() {
        if (source == null) {
            source = Source.of(Math.max(0, span.getStartTimeUnixNano()), span.getSpanId().toByteArray());
        }
        return source;
    }

    /** Offers a span type; the convention with the lowest precedence number wins. */
    public void offerSpanType(String type, int precedence) {
        if (type != null && !type.isBlank() && precedence < spanTypePrecedence) {
            spanType = type;
            spanTypePrecedence = precedence;
        }
    }

    public String spanType() {
        return spanType;
    }
}

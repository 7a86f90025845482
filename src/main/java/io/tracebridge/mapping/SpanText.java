package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.ArrayList;
import java.util.List;

/**
 * The OTLP rule for text PostgreSQL cannot store ({@link Text}): every NUL and unpaired surrogate
 * in a span's strings (name, trace state, status message, attribute keys and string values at any
 * depth, event names and attributes, link trace states and attributes) and in resource attributes
 * becomes U+FFFD, and each string that needed it is counted once. Everything derived from these
 * strings (trace metadata and tags, previews, the stored span JSON) is then clean as well.
 * Spans and lists that need nothing are returned as they are, without copying.
 */
public final class SpanText {
    private SpanText() {
    }

    /** A cleaned value and how many strings in it were changed. */
    public record Cleaned<T>(T value, int replaced) {
    }

    public static Cleaned<Span> clean(Span span) {
        int dirty = count(span);
        if (dirty == 0) {
            return new Cleaned<>(span, 0);
        }
        Span.Builder b = span.toBuilder()
                .setName(Text.clean(span.getName()))
                .setTraceState(Text.clean(span.getTraceState()))
                .clearAttributes().addAllAttributes(cleanAll(span.getAttributesList()));
        if (span.hasStatus()) {
            b.setStatus(span.getStatus().toBuilder().setMessage(Text.clean(span.getStatus().getMessage())));
        }
        for (int i = 0; i < b.getEventsCount(); i++) {
            Span.Event e = b.getEvents(i);
            b.setEvents(i, e.toBuilder().setName(Text.clean(e.getName()))
                    .clearAttributes().addAllAttributes(cleanAll(e.getAttributesList())));
        }
        for (int i = 0; i < b.getLinksCount(); i++) {
            Span.Link l = b.getLinks(i);
            b.setLinks(i, l.toBuilder().setTraceState(Text.clean(l.getTraceState()))
                    .clearAttributes().addAllAttributes(cleanAll(l.getAttributesList())));
        }
        return new Cleaned<>(b.build(), dirty);
    }

    /** Resource (or any) attributes: the same list when none needs cleaning. */
    public static Cleaned<List<KeyValue>> clean(List<KeyValue> attributes) {
        int dirty = count(attributes);
        return dirty == 0 ? new Cleaned<>(attributes, 0) : new Cleaned<>(cleanAll(attributes), dirty);
    }

    static int count(Span span) {
        int n = bad(span.getName()) + bad(span.getTraceState()) + bad(span.getStatus().getMessage())
                + count(span.getAttributesList());
        for (Span.Event e : span.getEventsList()) {
            n += bad(e.getName()) + count(e.getAttributesList());
        }
        for (Span.Link l : span.getLinksList()) {
            n += bad(l.getTraceState()) + count(l.getAttributesList());
        }
        return n;
    }

    private static int count(List<KeyValue> attributes) {
        int n = 0;
        for (KeyValue kv : attributes) {
            n += bad(kv.getKey()) + count(kv.getValue());
        }
        return n;
    }

    private static int count(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE:
                return bad(v.getStringValue());
            case ARRAY_VALUE: {
                int n = 0;
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    n += count(e);
                }
                return n;
            }
            case KVLIST_VALUE:
                return count(v.getKvlistValue().getValuesList());
            default:
                return 0;
        }
    }

    private static int bad(String s) {
        return Text.storable(s) ? 0 : 1;
    }

    private static List<KeyValue> cleanAll(List<KeyValue> attributes) {
        if (count(attributes) == 0) {
            return attributes;
        }
        List<KeyValue> out = new ArrayList<>(attributes.size());
        for (KeyValue kv : attributes) {
            out.add(kv.toBuilder().setKey(Text.clean(kv.getKey())).setValue(clean(kv.getValue())).build());
        }
        return out;
    }

    private static AnyValue clean(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE: {
                String s = v.getStringValue();
                String c = Text.clean(s);
                return c == s ? v : AnyValue.newBuilder().setStringValue(c).build();
            }
            case ARRAY_VALUE: {
                if (count(v) == 0) {
                    return v;
                }
                ArrayValue.Builder arr = ArrayValue.newBuilder();
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    arr.addValues(clean(e));
                }
                return AnyValue.newBuilder().setArrayValue(arr).build();
            }
            case KVLIST_VALUE: {
                if (count(v) == 0) {
                    return v;
                }
                return AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addAllValues(cleanAll(v.getKvlistValue().getValuesList()))).build();
            }
            default:
                return v;
        }
    }
}

package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.List;

/**
 * Cuts string attribute values (span and event attributes, including strings nested in arrays
 * and maps) longer than a limit. A cut value keeps its first characters and ends with
 * {@value #MARKER_PREFIX}…{@code ]} naming how many characters were removed, so readers see
 * that it was cut. Spans with no long value are returned unchanged, without copying.
 */
public final class AttributeLimiter {
    public static final String MARKER_PREFIX = "...[truncated by Tracebridge: ";

    private final int maxChars;

    public AttributeLimiter(int maxChars) {
        this.maxChars = maxChars;
    }

    /** Result of limiting one span: the span to store and how many values were cut. */
    public record Limited(Span span, int truncatedValues) {
    }

    public Limited limit(Span span) {
        if (!anyTooLong(span)) {
            return new Limited(span, 0);
        }
        int[] count = {0};
        Span.Builder b = span.toBuilder();
        b.clearAttributes().addAllAttributes(limitAll(span.getAttributesList(), count));
        for (int i = 0; i < b.getEventsCount(); i++) {
            Span.Event e = b.getEvents(i);
            b.setEvents(i, e.toBuilder().clearAttributes().addAllAttributes(limitAll(e.getAttributesList(), count)));
        }
        return new Limited(b.build(), count[0]);
    }

    /**
     * The first {@code maxChars} characters of {@code s} (one fewer rather than half a surrogate
     * pair) followed by the marker naming how many were removed; {@code s} if it is not longer.
     */
    public static String truncate(String s, int maxChars) {
        if (s.length() <= maxChars) {
            return s;
        }
        String kept = Text.prefix(s, maxChars);
        return kept + MARKER_PREFIX + (s.length() - kept.length()) + " characters]";
    }

    private boolean anyTooLong(Span span) {
        for (KeyValue kv : span.getAttributesList()) {
            if (tooLong(kv.getValue())) {
                return true;
            }
        }
        for (Span.Event e : span.getEventsList()) {
            for (KeyValue kv : e.getAttributesList()) {
                if (tooLong(kv.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean tooLong(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE:
                return v.getStringValue().length() > maxChars;
            case ARRAY_VALUE:
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    if (tooLong(e)) {
                        return true;
                    }
                }
                return false;
            case KVLIST_VALUE:
                for (KeyValue kv : v.getKvlistValue().getValuesList()) {
                    if (tooLong(kv.getValue())) {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    private List<KeyValue> limitAll(List<KeyValue> attrs, int[] count) {
        return attrs.stream().map(kv -> tooLong(kv.getValue())
                ? kv.toBuilder().setValue(limitValue(kv.getValue(), count)).build()
                : kv).toList();
    }

    private AnyValue limitValue(AnyValue v, int[] count) {
        switch (v.getValueCase()) {
            case STRING_VALUE: {
                String s = v.getStringValue();
                if (s.length() <= maxChars) {
                    return v;
                }
                count[0]++;
                return AnyValue.newBuilder().setStringValue(truncate(s, maxChars)).build();
            }
            case ARRAY_VALUE: {
                var arr = v.getArrayValue().toBuilder().clearValues();
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    arr.addValues(limitValue(e, count));
                }
                return AnyValue.newBuilder().setArrayValue(arr).build();
            }
            case KVLIST_VALUE: {
                var list = v.getKvlistValue().toBuilder().clearValues();
                list.addAllValues(limitAll(v.getKvlistValue().getValuesList(), count));
                return AnyValue.newBuilder().setKvlistValue(list).build();
            }
            default:
                return v;
        }
    }
}

package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounds the shape of a span, in the spirit of the OTel SDK's {@code SpanLimits}, before it is
 * stored: a 10 MB span name, a 10 MB attribute key or a span with 1.5 million attributes were
 * stored as sent. Like an SDK, Tracebridge keeps the span and says what it left out:
 * <ul>
 *   <li>span and event names longer than {@code maxNameChars} are cut and end with the marker of
 *   cut attribute values ({@link AttributeLimiter#MARKER_PREFIX});</li>
 *   <li>attributes (of the span, of each event, of each link) beyond {@code maxAttributes} are
 *   dropped, the first ones kept, and counted in that element's {@code dropped_attributes_count},
 *   as the SDK does;</li>
 *   <li>an attribute whose key is longer than {@code maxKeyChars} is dropped and counted the same
 *   way. The SDK has no key limit; a cut key would be a different key, which could collide with
 *   another attribute or be read by a convention as something it is not;</li>
 *   <li>events beyond {@code maxEvents} are dropped, the first ones kept, and counted in the
 *   span's {@code dropped_events_count}.</li>
 * </ul>
 * A span within every limit is returned unchanged, without copying.
 */
public final class SpanLimiter {

    /** The limits; see TracebridgeConfig.Ingest for the defaults and why. */
    public record Limits(int maxNameChars, int maxKeyChars, int maxAttributes, int maxEvents) {
    }

    /** The span to store, how many names were cut and how many attributes and events were dropped. */
    public record Limited(Span span, int truncatedNames, int droppedAttributes, int droppedEvents) {
    }

    private final Limits limits;

    public SpanLimiter(Limits limits) {
        this.limits = limits;
    }

    public Limited limit(Span span) {
        if (withinLimits(span)) {
            return new Limited(span, 0, 0, 0);
        }
        int names = 0;
        int attributes = 0;
        Span.Builder b = span.toBuilder();
        if (span.getName().length() > limits.maxNameChars()) {
            b.setName(AttributeLimiter.truncate(span.getName(), limits.maxNameChars()));
            names++;
        }
        Kept kept = keep(span.getAttributesList());
        if (kept.dropped() > 0) {
            b.clearAttributes().addAllAttributes(kept.attributes())
                    .setDroppedAttributesCount(add(span.getDroppedAttributesCount(), kept.dropped()));
            attributes += kept.dropped();
        }
        int droppedEvents = Math.max(0, span.getEventsCount() - limits.maxEvents());
        if (droppedEvents > 0) {
            b.clearEvents().addAllEvents(span.getEventsList().subList(0, limits.maxEvents()))
                    .setDroppedEventsCount(add(span.getDroppedEventsCount(), droppedEvents));
        }
        for (int i = 0; i < b.getEventsCount(); i++) {
            Span.Event e = b.getEvents(i);
            boolean longName = e.getName().length() > limits.maxNameChars();
            Kept eventKept = keep(e.getAttributesList());
            if (longName || eventKept.dropped() > 0) {
                Span.Event.Builder eb = e.toBuilder();
                if (longName) {
                    eb.setName(AttributeLimiter.truncate(e.getName(), limits.maxNameChars()));
                    names++;
                }
                if (eventKept.dropped() > 0) {
                    eb.clearAttributes().addAllAttributes(eventKept.attributes())
                            .setDroppedAttributesCount(add(e.getDroppedAttributesCount(), eventKept.dropped()));
                    attributes += eventKept.dropped();
                }
                b.setEvents(i, eb);
            }
        }
        for (int i = 0; i < b.getLinksCount(); i++) {
            Span.Link l = b.getLinks(i);
            Kept linkKept = keep(l.getAttributesList());
            if (linkKept.dropped() > 0) {
                b.setLinks(i, l.toBuilder().clearAttributes().addAllAttributes(linkKept.attributes())
                        .setDroppedAttributesCount(add(l.getDroppedAttributesCount(), linkKept.dropped())));
                attributes += linkKept.dropped();
            }
        }
        return new Limited(b.build(), names, attributes, droppedEvents);
    }

    private boolean withinLimits(Span span) {
        if (span.getName().length() > limits.maxNameChars() || span.getEventsCount() > limits.maxEvents()
                || !withinLimits(span.getAttributesList())) {
            return false;
        }
        for (Span.Event e : span.getEventsList()) {
            if (e.getName().length() > limits.maxNameChars() || !withinLimits(e.getAttributesList())) {
                return false;
            }
        }
        for (Span.Link l : span.getLinksList()) {
            if (!withinLimits(l.getAttributesList())) {
                return false;
            }
        }
        return true;
    }

    private boolean withinLimits(List<KeyValue> attributes) {
        if (attributes.size() > limits.maxAttributes()) {
            return false;
        }
        for (KeyValue kv : attributes) {
            if (kv.getKey().length() > limits.maxKeyChars()) {
                return false;
            }
        }
        return true;
    }

    private record Kept(List<KeyValue> attributes, int dropped) {
    }

    /** The first attributes with keys within the limit, up to the count limit; the rest counted. */
    private Kept keep(List<KeyValue> attributes) {
        if (withinLimits(attributes)) {
            return new Kept(attributes, 0);
        }
        List<KeyValue> kept = new ArrayList<>(Math.min(attributes.size(), limits.maxAttributes()));
        for (KeyValue kv : attributes) {
            if (kept.size() < limits.maxAttributes() && kv.getKey().length() <= limits.maxKeyChars()) {
                kept.add(kv);
            }
        }
        return new Kept(kept, attributes.size() - kept.size());
    }

    /** A uint32 count plus more, saturating rather than wrapping. */
    private static int add(int unsignedCount, int more) {
        return (int) Math.min(Integer.toUnsignedLong(unsignedCount) + more, 0xFFFF_FFFFL);
    }
}

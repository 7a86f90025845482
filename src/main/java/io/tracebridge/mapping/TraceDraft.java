package io.tracebridge.mapping;

import io.tracebridge.model.TraceState;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one request says about one trace: its spans and the trace-level values the conventions
 * derived from them, each with the rank the store uses to merge it with earlier batches.
 */
public final class TraceDraft {
    /** Longest session, user or client request ID we index; longer values are ignored. */
    public static final int MAX_IDENTIFIER_LENGTH = 256;
    /** Longest tag or metadata key (MLflow's guaranteed 250). */
    public static final int MAX_KEY_LENGTH = 250;
    /** Longest tag or metadata value kept from spans; longer values are skipped, as MLflow does. */
    public static final int MAX_VALUE_LENGTH = 8000;
    /** MLflow OSS preview length ({@code TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS}). */
    public static final int PREVIEW_LENGTH = 1000;

    public enum Field {
        SESSION, USER, CLIENT_REQUEST_ID, REQUEST_PREVIEW, RESPONSE_PREVIEW
    }

    /**
     * A tag or metadata value with the rank of its writer and, among writers of the same rank
     * below {@link Rank#EXPLICIT}, its {@link Source} key (lower wins).
     */
    public record Ranked(String value, short rank, String source) {
        /** Whether a value of rank {@code r} from {@code src} replaces this one. */
        boolean losesTo(short r, String src, boolean lastExplicitWins) {
            if (r != rank) {
                return r > rank;
            }
            if (r >= Rank.EXPLICIT) {
                return lastExplicitWins;
            }
            return Source.compare(src, source) < 0;
        }
    }

    private final String traceId;
    private final byte[] otelTraceId;
    private final Map<String, SpanRecord> spans = new LinkedHashMap<>();
    private final Map<Field, Candidate> fields = new java.util.EnumMap<>(Field.class);
    private final Map<String, Ranked> metadata = new LinkedHashMap<>();
    private final Map<String, Ranked> tags = new LinkedHashMap<>();
    private long minStartNanos = Long.MAX_VALUE;
    private long maxEndNanos;
    private TraceState rootState;

    TraceDraft(String traceId, byte[] otelTraceId) {
        this.traceId = traceId;
        this.otelTraceId = otelTraceId;
    }

    public String traceId() {
        return traceId;
    }

    byte[] otelTraceId() {
        return otelTraceId;
    }

    /** Adds a span; a span ID seen twice in one request keeps the later copy. */
    void addSpan(SpanRecord span) {
        spans.put(span.spanId(), span);
        minStartNanos = Math.min(minStartNanos, span.startTimeNanos());
        if (span.endTimeNanos() != null) {
            maxEndNanos = Math.max(maxEndNanos, span.endTimeNanos());
        }
        if (span.parentSpanId() == null && rootState == null) {
            rootState = "ERROR".equals(span.status()) ? TraceState.ERROR : TraceState.OK;
        }
    }

    public Collection<SpanRecord> spans() {
        return spans.values();
    }

    /** Trace start in epoch ms: the earliest span start in this request. */
    public long requestTimeMs() {
        return minStartNanos / 1_000_000L;
    }

    /** Latest span end in epoch ms, or null when no span in this request has ended. */
    public Long endTimeMs() {
        return maxEndNanos == 0 ? null : maxEndNanos / 1_000_000L;
    }

    /** OK/ERROR from the root span if this request carries it (docs/mlflow-compatibility.md §1.4), else IN_PROGRESS. */
    public TraceState state() {
        return rootState == null ? TraceState.IN_PROGRESS : rootState;
    }

    public boolean hasRoot() {
        return rootState != null;
    }

    /** Offers a value for a context field; see {@link Candidate} for who wins. */
    public void offer(Field field, String value, SpanView span, int precedence) {
        value = Text.clean(value);
        if (value == null || value.isBlank()) {
            return;
        }
        boolean identifier = field != Field.REQUEST_PREVIEW && field != Field.RESPONSE_PREVIEW;
        if (identifier && value.length() > MAX_IDENTIFIER_LENGTH) {
            return;
        }
        String v = identifier ? value : preview(value);
        Candidate c = new Candidate(v, span.isRoot(), precedence, span.order(), span.source());
        Candidate old = fields.get(field);
        if (identifier ? c.beats(old) : c.beatsAsPreview(old)) {
            fields.put(field, c);
        }
    }

    /**
     * The preview's source key for the database merge: {@code 0} for the root span, {@code 1}
     * for any other, then the span's {@link Source} key; null without a preview.
     */
    public String previewSource(Field field) {
        Candidate c = fields.get(field);
        return c == null ? null : (c.fromRoot() ? "0" : "1") + c.source();
    }

    public String value(Field field) {
        Candidate c = fields.get(field);
        return c == null ? null : c.value();
    }

    public short rank(Field field) {
        Candidate c = fields.get(field);
        return c == null ? Rank.NONE : c.rank();
    }

    /**
     * Metadata: a higher rank replaces a lower one; among equal span ranks the lower source key
     * wins (the span nearest the root, then the one that started first), whatever the order of
     * the offers; the same rule merges batches in the database.
     */
    public void putMetadata(String key, String value, short rank, String source) {
        key = Text.clean(key);
        value = Text.clean(value);
        if (!fits(key, value)) {
            return;
        }
        Ranked old = metadata.get(key);
        if (old == null || old.losesTo(rank, source, false)) {
            metadata.put(key, new Ranked(value, rank, source));
        }
    }

    /** Tags: as metadata, except that among explicit writers the last one wins. */
    public void putTag(String key, String value, short rank, String source) {
        key = Text.clean(key);
        value = Text.clean(value);
        if (!fits(key, value)) {
            return;
        }
        Ranked old = tags.get(key);
        if (old == null || old.losesTo(rank, source, true)) {
            tags.put(key, new Ranked(value, rank, source));
        }
    }

    public Map<String, Ranked> metadata() {
        return metadata;
    }

    public Map<String, Ranked> tags() {
        return tags;
    }

    private static boolean fits(String key, String value) {
        return key != null && !key.isEmpty() && key.length() <= MAX_KEY_LENGTH
                && value != null && value.length() <= MAX_VALUE_LENGTH;
    }

    /** Truncates to {@link #PREVIEW_LENGTH} characters, ending in {@code ...} when cut. */
    static String preview(String s) {
        if (s.length() <= PREVIEW_LENGTH) {
            return s;
        }
        return Text.prefix(s, PREVIEW_LENGTH - 3) + "...";
    }
}

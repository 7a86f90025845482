package io.tracebridge.ingest;

import java.util.Set;

/**
 * Outcome of one OTLP request whose accepted spans were committed. {@code rejectedSpans} and
 * {@code errorMessage} become the OTLP {@code partial_success}; {@code foreignTraces} are the
 * trace IDs whose spans were refused because another experiment holds the trace.
 */
public record IngestResult(int acceptedSpans, int rejectedSpans, String errorMessage, Set<String> foreignTraces) {
    public IngestResult(int acceptedSpans, int rejectedSpans, String errorMessage) {
        this(acceptedSpans, rejectedSpans, errorMessage, Set.of());
    }

    /**
     * Whether the OTLP response carries a {@code partial_success}: spans were rejected, or there
     * is a warning for accepted data (OTLP allows {@code rejected_spans} 0 with a message).
     */
    public boolean hasPartialSuccess() {
        return rejectedSpans > 0 || (errorMessage != null && !errorMessage.isEmpty());
    }
}

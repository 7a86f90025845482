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
}

package io.tracebridge.ingest;

/**
 * Outcome of one OTLP request whose accepted spans were committed. {@code rejectedSpans} and
 * {@code errorMessage} become the OTLP {@code partial_success}.
 */
public record IngestResult(int acceptedSpans, int rejectedSpans, String errorMessage) {
}

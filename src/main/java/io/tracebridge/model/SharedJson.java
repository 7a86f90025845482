package io.tracebridge.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one Jackson {@link ObjectMapper} of the service (thread-safe once built; never configure
 * it further). Everything it reads may come from a hostile client: REST bodies, OTLP/JSON,
 * {@code traces.json}, page tokens, JSON inside span attributes. So it reads with limits far
 * below Jackson's defaults (1,000 levels, 1,000-digit numbers), which no MLflow or OTLP message
 * comes near, and which keep parsing linear in the input.
 */
public final class SharedJson {
    /** Deepest nesting of arrays and objects a document may have. */
    public static final int MAX_DEPTH = 64;
    /**
     * Longest number token. No OTLP or MLflow number needs more than 20 digits for an integer or
     * about 25 characters for a double; 100 leaves room for doubles written with every digit and
     * keeps Jackson's own BigInteger parsing trivial.
     */
    public static final int MAX_NUMBER_CHARS = 100;

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_CHARS).build())
            .build());

    private SharedJson() {
    }
}

package io.tracebridge.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Tracebridge's own settings (prefix {@code tracebridge}); each has an env var, see README. */
@ConfigMapping(prefix = "tracebridge")
public interface TracebridgeConfig {

    Ingest ingest();

    Db db();

    Feedback feedback();

    Auth auth();

    Search search();

    interface Search {
        /**
         * How long one search or analytics statement may take, waiting for a connection included;
         * past it the statement is cancelled in PostgreSQL and the request answers 400.
         */
        @WithDefault("5s")
        java.time.Duration timeout();
    }

    /** Bearer-token authentication (see README "Authentication"). */
    interface Auth {
        /** Off for local runs; on in the Kubernetes prod overlay. */
        @WithDefault("false")
        boolean enabled();

        /** {@code name:scope:sha256-hex[:experiment-ids]} entries, separated by {@code ;} or new lines. */
        java.util.Optional<String> tokens();
    }

    interface Feedback {
        /** How long feedback logged by client request ID waits for its trace before it expires. */
        @WithDefault("PT1H")
        java.time.Duration pendingTtl();

        /** How often pending feedback is matched against arrived traces and expired. */
        @WithDefault("PT10S")
        java.time.Duration sweepInterval();

        /** How long attached and expired pending-feedback records stay listed before they are deleted. */
        @WithDefault("P7D")
        java.time.Duration pendingRetention();
    }

    /** Version string answered on {@code GET /version}; the MLflow SDK needs ≥ 3.4 to send OTLP. */
    @WithDefault("3.6.0")
    String mlflowVersion();

    /** Where PostgreSQL is; the reactive and JDBC (migration) URLs are built from these. */
    interface Db {
        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("5432")
        int port();

        @WithDefault("tracebridge")
        String name();

        /**
         * Longest time one OTLP batch's transaction may take; then the request is answered 503 /
         * UNAVAILABLE (a frozen backend never answers, and the reactive client has no statement
         * timeout). Below the OTel SDK exporters' default timeout of 10 s, so they get an answer
         * they retry on rather than a timeout of their own.
         */
        @WithDefault("8s")
        java.time.Duration writeTimeout();
    }

    interface Ingest {
        /** Experiment for OTLP requests without an {@code x-mlflow-experiment-id} header. */
        @WithDefault("0")
        String defaultExperimentId();

        /** Largest OTLP body after decompression; larger bodies are refused (gzip-bomb guard). */
        @WithDefault("16777216")
        long maxDecompressedBytes();

        /** Spans beyond this many in one request are rejected (reported as partial success). */
        @WithDefault("20000")
        int maxSpansPerRequest();

        /**
         * Longest string attribute value kept, in characters; longer values are cut and end with
         * a visible marker, and the truncation is counted.
         */
        @WithDefault("131072")
        int maxAttributeValueChars();

        /**
         * Longest span or event name kept, in characters; longer names are cut with the marker of
         * cut attribute values. 1,024 holds any real operation name (MLflow's UI shows far less)
         * and keeps the indexed name column small.
         */
        @WithDefault("1024")
        int maxSpanNameChars();

        /**
         * Longest attribute key kept, in characters; an attribute with a longer key is dropped and
         * counted in dropped_attributes_count. 1,024 leaves room for MLflow keys such as
         * {@code mlflow.traceMetadata.<key>} with a 250-character metadata key.
         */
        @WithDefault("1024")
        int maxAttributeKeyChars();

        /**
         * Attributes kept per span (and per event and link); the rest are dropped and counted in
         * dropped_attributes_count. 8 times the OTel SDK's default of 128, so a span an SDK sent
         * within its own limits is never cut, while one span cannot become a huge row.
         */
        @WithDefault("1024")
        int maxAttributesPerSpan();

        /** Events kept per span (8 times the OTel SDK's 128); the rest are counted in dropped_events_count. */
        @WithDefault("1024")
        int maxEventsPerSpan();

        /**
         * Spans one trace may hold; spans of a trace that already has this many are rejected
         * (partial success, reason {@code trace_too_large}).
         */
        @WithDefault("100000")
        int maxSpansPerTrace();

        /** OTLP requests processed at once; more are answered 503 / UNAVAILABLE so exporters retry. */
        @WithDefault("64")
        int maxInFlightRequests();

        /**
         * Heap bytes OTLP requests in flight may hold, estimated (see README and
         * docs/reliability.md); beyond it requests are answered 503 / UNAVAILABLE. 0, the default,
         * means half of the maximum heap ({@code Runtime.maxMemory() / 2}).
         */
        @WithDefault("0")
        long maxInFlightBytes();

        /**
         * Longest life of an OTLP/gRPC connection: then GOAWAY, and after a grace of a fifth of
         * it (at least 1 s) the connection is closed with whatever is still open on it.
         */
        @WithDefault("PT5M")
        java.time.Duration grpcMaxConnectionAge();

        /**
         * Longest time a request body may take to arrive once admitted; then the connection is
         * closed and the body's share of the byte budget given back (a slow sender holds it).
         */
        @WithDefault("PT60S")
        java.time.Duration httpBodyTimeout();
    }
}

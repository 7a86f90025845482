package io.tracebridge.ops;

import io.smallrye.config.ConfigMapping;

/**
 * Tracebridge's own settings (prefix {@code tracebridge}). Each one's environment variable and
 * default are in one place, its line of {@code application.properties}
 * ({@code tracebridge.x=${TRACEBRIDGE_X:default}}), and the README's configuration table shows
 * the same ({@code ConfigDefaultsTest}); nothing here repeats a default.
 */
@ConfigMapping(prefix = "tracebridge")
public interface TracebridgeConfig {

    Ingest ingest();

    Db db();

    Feedback feedback();

    Auth auth();

    Search search();

    Retention retention();

    Analytics analytics();

    interface Analytics {
        /**
         * Token prices per model, {@code model=input:output} in dollars per million tokens,
         * comma-separated ({@code analytics.ModelPrices}); absent for none.
         */
        java.util.Optional<String> modelPrices();
    }

    /** Trace retention (docs/retention.md). */
    interface Retention {
        /**
         * How long traces are kept, by request time, where an experiment does not say otherwise:
         * an ISO-8601 duration ({@code P30D}, {@code PT12H}) or {@code forever}.
         */
        String traces();

        /** How often the expiry runs (on one replica at a time). */
        java.time.Duration interval();
    }

    interface Search {
        /**
         * How long one search or analytics statement may take, waiting included; past it a
         * running statement is cancelled in PostgreSQL and the request answers 400, one that
         * could not start with half of it left answers 503 (store.SearchStatements).
         */
        java.time.Duration timeout();

        /**
         * Seconds of statement time per second that one replica's searches and analytics may
         * take from the database on average (about that many database cores); 0 for no limit.
         */
        double dbShare();

        /**
         * PostgreSQL's {@code statement_timeout} on the search pool's connections, a backstop for
         * a lost cancel request: a number with {@code ms}, {@code s} or {@code h}, above
         * {@link #timeout()}.
         */
        String statementTimeout();
    }

    /** Bearer-token authentication (see README "Authentication"). */
    interface Auth {
        /** Off for local runs; on in the Kubernetes prod overlay. */
        boolean enabled();

        /** {@code name:scope:sha256-hex[:experiment-ids]} entries, separated by {@code ;} or new lines. */
        java.util.Optional<String> tokens();
    }

    interface Feedback {
        /** How long feedback logged by client request ID waits for its trace before it expires. */
        java.time.Duration pendingTtl();

        /** How often pending feedback is matched against arrived traces and expired. */
        java.time.Duration sweepInterval();

        /** How long attached and expired pending-feedback records stay listed before they are deleted. */
        java.time.Duration pendingRetention();
    }

    /** Version string answered on {@code GET /version}; the MLflow SDK needs ≥ 3.4 to send OTLP. */
    String mlflowVersion();

    /** Where PostgreSQL is; the reactive and JDBC (migration) URLs are built from these. */
    interface Db {
        String host();
        int port();
        String name();

        /**
         * Longest time one OTLP batch's transaction may take; then the request is answered 503 /
         * UNAVAILABLE (a frozen backend never answers, and the reactive client has no statement
         * timeout). Below the OTel SDK exporters' default timeout of 10 s, so they get an answer
         * they retry on rather than a timeout of their own.
         */
        java.time.Duration writeTimeout();

        /** A read replica as {@code postgresql://host:port/database}; absent: everything on the primary. */
        java.util.Optional<String> readUrl();
    }

    interface Ingest {
        /** Experiment for OTLP requests without an {@code x-mlflow-experiment-id} header. */
        String defaultExperimentId();

        /** Largest OTLP body after decompression; larger bodies are refused (gzip-bomb guard). */
        long maxDecompressedBytes();

        /** Spans beyond this many in one request are rejected (reported as partial success). */
        int maxSpansPerRequest();

        /**
         * Longest string attribute value kept, in characters; longer values are cut and end with
         * a visible marker, and the truncation is counted.
         */
        int maxAttributeValueChars();

        /**
         * Longest span or event name kept, in characters; longer names are cut with the marker of
         * cut attribute values. 1,024 holds any real operation name (MLflow's UI shows far less)
         * and keeps the indexed name column small.
         */
        int maxSpanNameChars();

        /**
         * Longest attribute key kept, in characters; an attribute with a longer key is dropped and
         * counted in dropped_attributes_count. 1,024 leaves room for MLflow keys such as
         * {@code mlflow.traceMetadata.<key>} with a 250-character metadata key.
         */
        int maxAttributeKeyChars();

        /**
         * Attributes kept per span (and per event and link); the rest are dropped and counted in
         * dropped_attributes_count. 8 times the OTel SDK's default of 128, so a span an SDK sent
         * within its own limits is never cut, while one span cannot become a huge row.
         */
        int maxAttributesPerSpan();

        /** Events kept per span (8 times the OTel SDK's 128); the rest are counted in dropped_events_count. */
        int maxEventsPerSpan();

        /**
         * Spans one trace may hold; spans of a trace that already has this many are rejected
         * (partial success, reason {@code trace_too_large}).
         */
        int maxSpansPerTrace();

        /** OTLP requests processed at once; more are answered 503 / UNAVAILABLE so exporters retry. */
        int maxInFlightRequests();

        /**
         * Heap bytes OTLP requests in flight may hold, estimated (see README and
         * docs/reliability.md); beyond it requests are answered 503 / UNAVAILABLE. 0, the default,
         * means half of the maximum heap ({@code Runtime.maxMemory() / 2}).
         */
        long maxInFlightBytes();

        /**
         * Longest life of an OTLP/gRPC connection: then GOAWAY, and after a grace of a fifth of
         * it (at least 1 s) the connection is closed with whatever is still open on it.
         */
        java.time.Duration grpcMaxConnectionAge();

        /**
         * Longest time a request body may take to arrive once admitted; then the connection is
         * closed and the body's share of the byte budget given back (a slow sender holds it).
         */
        java.time.Duration httpBodyTimeout();
    }
}

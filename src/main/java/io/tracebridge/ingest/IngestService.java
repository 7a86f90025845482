package io.tracebridge.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tracebridge.mapping.Rejection;
import io.tracebridge.mapping.SpanLimiter;
import io.tracebridge.mapping.ResourceTagConvention;
import io.tracebridge.mapping.TraceAssembler;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.security.ApiToken;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.ops.IngestMetrics.Transport;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.StoreFailures;
import io.tracebridge.store.TraceStore;
import io.vertx.pgclient.PgException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The one ingest path behind both OTLP edges: bound the work in flight, resolve the experiment,
 * decode and map on a worker thread, write in one transaction. The returned {@code Uni}
 * completes only after the commit; it fails with an {@link OtlpException} otherwise.
 */
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);

    private final ExperimentResolver experiments;
    private final TraceStore store;
    private final IngestMetrics metrics;
    private final TraceAssembler assembler;
    private final InFlightLimiter limiter;
    private final ByteBudget budget;

    private final Duration shutdownTimeout;
    private final int maxSpansPerTrace;

    public IngestService(ExperimentResolver experiments, TraceStore store, IngestMetrics metrics,
                         TracebridgeConfig config,
                         @ConfigProperty(name = "quarkus.shutdown.timeout", defaultValue = "30s") Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
        this.experiments = experiments;
        this.store = store;
        this.metrics = metrics;
        this.assembler = new TraceAssembler(config.ingest().maxSpansPerRequest(),
                config.ingest().maxAttributeValueChars(),
                new SpanLimiter.Limits(config.ingest().maxSpanNameChars(), config.ingest().maxAttributeKeyChars(),
                        config.ingest().maxAttributesPerSpan(), config.ingest().maxEventsPerSpan()));
        this.limiter = new InFlightLimiter(config.ingest().maxInFlightRequests());
        long bytes = config.ingest().maxInFlightBytes();
        this.budget = new ByteBudget(bytes > 0 ? bytes : ByteBudget.defaultFor(Runtime.getRuntime().maxMemory()));
        LOG.infof("OTLP in-flight byte budget: %d bytes", budget.max());
        this.maxSpansPerTrace = config.ingest().maxSpansPerTrace();
    }

    /**
     * @param caller           the authenticated caller; it must be allowed the experiment
     * @param experimentHeader value of {@code x-mlflow-experiment-id}, or null
     * @param decode           produces the request; may throw {@link OtlpException}
     */
    public Uni<IngestResult> ingest(Transport transport, ApiToken caller, String experimentHeader,
                                    Supplier<ExportTraceServiceRequest> decode) {
        return ingest(transport, caller, experimentHeader, decode, null);
    }

    /**
     * @param reservation the request's share of the byte budget, closed when the request ends
     *                    (the decoder may still grow it); null for none
     */
    public Uni<IngestResult> ingest(Transport transport, ApiToken caller, String experimentHeader,
                                    Supplier<ExportTraceServiceRequest> decode, ByteBudget.Reservation reservation) {
        long start = System.nanoTime();
        if (!limiter.tryAcquire()) {
            if (reservation != null) {
                reservation.close();
            }
            boolean stopping = limiter.draining();
            metrics.request(transport, stopping ? "shutting_down" : "overloaded", start);
            return Uni.createFrom().failure(new OtlpException(OtlpException.Kind.UNAVAILABLE, stopping
                    ? "Tracebridge is shutting down; retry (another replica will take the request)"
                    : "Tracebridge is processing its maximum of concurrent OTLP requests; retry later"));
        }
        AtomicInteger decodedSpans = new AtomicInteger();
        Uni<IngestResult> work = experiments.resolve(experimentHeader)
                // PERMISSION_DENIED, mapped to HTTP 403 / gRPC PERMISSION_DENIED by classify().
                .invoke(experiment -> caller.requireExperiment(Long.parseLong(experiment.experimentId())))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(experiment -> {
                    TraceAssembler.Result result = assembler.assemble(decode.get());
                    decodedSpans.set(result.spanCount());
                    metrics.received(transport, result.spanCount() + result.rejectedCount());
                    metrics.truncated(transport, result.truncatedValues());
                    metrics.replacedText(transport, result.replacedTexts());
                    metrics.limited(transport, "name_truncated", result.truncatedNames());
                    metrics.limited(transport, "attribute_dropped", result.droppedAttributes());
                    metrics.limited(transport, "event_dropped", result.droppedEvents());
                    metrics.limited(transport, "resource_tag_dropped", result.droppedResourceTags());
                    result.rejected().forEach((reason, n) -> metrics.rejected(transport, reason.code(), n));
                    return store.write(experiment, result.drafts(), maxSpansPerTrace).map(outcome -> {
                        List<String> messages = new ArrayList<>();
                        String earlier = rejectionMessage(result.rejected());
                        if (!earlier.isEmpty()) {
                            messages.add(earlier);
                        }
                        int overCap = outcome.overCapSpans();
                        if (overCap > 0) {
                            metrics.rejected(transport, "trace_too_large", overCap);
                            messages.add(overCap + " span(s) rejected: their trace already holds the maximum of "
                                    + maxSpansPerTrace + " spans");
                        }
                        int foreign = outcome.foreignSpans();
                        if (foreign > 0) {
                            metrics.rejected(transport, "trace_of_another_experiment", foreign);
                            messages.add(foreign + " span(s) rejected: " + foreignMessage(outcome.foreignTraces().keySet(),
                                    experiment.experimentId()));
                        }
                        if (result.replacedTexts() > 0) {
                            messages.add(replacedMessage(result.replacedTexts()));
                        }
                        if (result.droppedResourceTags() > 0) {
                            messages.add(result.droppedResourceTags() + " resource attribute(s) were not stored as trace tags: "
                                    + "the request's resources exceeded " + ResourceTagConvention.MAX_TAGS_PER_REQUEST
                                    + " tags or " + ResourceTagConvention.MAX_CHARS_PER_REQUEST
                                    + " characters over its traces; send fewer traces per request or fewer resource attributes");
                        }
                        int left = overCap + foreign;
                        return new IngestResult(result.spanCount() - left, result.rejectedCount() + left,
                                String.join("; ", messages), outcome.foreignTraces().keySet());
                    });
                })
                .onFailure(t -> !(t instanceof OtlpException)).transform(IngestService::classify)
                .onTermination().invoke((result, failure, cancelled) -> {
                    limiter.release();
                    if (reservation != null) {
                        reservation.close();
                    }
                    if (result != null) {
                        metrics.stored(transport, result.acceptedSpans());
                        metrics.request(transport, result.rejectedSpans() > 0 ? "partial" : "success", start);
                    } else {
                        String outcome = failure instanceof OtlpException o
                                ? o.kind().name().toLowerCase(Locale.ROOT) : "cancelled";
                        metrics.rejected(transport, outcome, decodedSpans.get());
                        metrics.request(transport, outcome, start);
                    }
                });
        // The work runs to its end even when the caller cancels (a client that disconnected):
        // the in-flight slot and the byte budget are given back when the decoding, mapping and
        // writing have really finished, not while a worker thread still holds the batch.
        java.util.concurrent.CompletableFuture<IngestResult> done = work.subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(done);
    }

    /** The bytes OTLP requests in flight may hold (both transports share it). */
    public ByteBudget budget() {
        return budget;
    }

    /**
     * Refuses a request over the byte budget as early as its size is known, with the same metric
     * as a refusal inside {@link #ingest}.
     */
    public OtlpException refused(Transport transport, OtlpException e) {
        metrics.request(transport, e.kind() == OtlpException.Kind.UNAVAILABLE ? "overloaded"
                : e.kind().name().toLowerCase(Locale.ROOT), System.nanoTime());
        return e;
    }

    /**
     * Graceful shutdown: HTTP requests are drained by Quarkus ({@code quarkus.shutdown.timeout})
     * before this event; OTLP/gRPC calls run on their own server, so new ones are refused as
     * retryable and the ones in flight finish their commit before the servers close.
     */
    void drainOnShutdown(@Observes ShutdownEvent event) throws InterruptedException {
        int inFlight = limiter.inFlight();
        if (!limiter.drain(shutdownTimeout)) {
            LOG.warnf("Shutdown: %d OTLP request(s) still in flight after %s; they are not acknowledged and "
                    + "their exporters will retry", limiter.inFlight(), shutdownTimeout);
        } else if (inFlight > 0) {
            LOG.infof("Shutdown: drained %d OTLP request(s) in flight", inFlight);
        }
    }

    /** Names at most five of the traces; a trace is never moved or changed by another experiment's writer. */
    static String foreignMessage(java.util.Set<String> traceIds, String experimentId) {
        String named = traceIds.stream().limit(5).collect(Collectors.joining(", "));
        if (traceIds.size() > 5) {
            named += " and " + (traceIds.size() - 5) + " more";
        }
        return (traceIds.size() == 1 ? "trace " + named + " belongs" : "traces " + named + " belong")
                + " to another experiment than " + experimentId + "; a trace's spans must be sent to the experiment that holds it";
    }

    /** The warning of a request whose text needed U+FFFD; it is stored, not rejected. */
    static String replacedMessage(int values) {
        return values + " value(s) contained NUL characters or unpaired surrogates; they were replaced with U+FFFD";
    }

    private static String rejectionMessage(Map<Rejection, Integer> rejected) {
        return rejected.entrySet().stream()
                .map(e -> e.getValue() + " span(s) rejected: " + e.getKey().message())
                .collect(Collectors.joining("; "));
    }

    /**
     * Data errors reported by PostgreSQL will fail again on retry, so they are 400; an unavailable
     * database is retryable (503) so the exporter keeps the batch; anything else is a bug (500,
     * not retried).
     */
    static OtlpException classify(Throwable t) {
        if (t instanceof MlflowException m) {
            return new OtlpException(m.code() == ErrorCode.PERMISSION_DENIED ? OtlpException.Kind.PERMISSION_DENIED
                    : OtlpException.Kind.BAD_REQUEST, m.getMessage());
        }
        if (StoreFailures.isDataError(t)) {
            PgException pg = StoreFailures.pgException(t);
            String state = StoreFailures.sqlState(t);
            LOG.warnf("OTLP batch rejected by the database: SQLSTATE %s %s", state,
                    pg != null ? pg.getErrorMessage() : t.getMessage());
            return new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "The batch contains data the store cannot accept (SQLSTATE " + state + ")");
        }
        if (StoreFailures.isUnavailable(t)) {
            LOG.warnf("OTLP batch not stored, database unavailable; answering retryable: %s", t.toString());
            return new OtlpException(OtlpException.Kind.UNAVAILABLE,
                    "Trace storage is temporarily unavailable; retry later");
        }
        LOG.error("OTLP batch not stored after an unexpected error", t);
        return new OtlpException(OtlpException.Kind.INTERNAL, "Internal error; see the server log");
    }
}

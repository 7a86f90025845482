package io.tracebridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Trace search metrics, exported on {@code /q/metrics}:
 * <ul>
 *   <li>{@code tracebridge_search_requests_seconds{outcome}}: latency and count of
 *       {@code traces/search} calls, outcome {@code ok}, {@code invalid} (400), {@code unavailable}
 *       (503: over the database-time budget, or busy; retryable) or {@code error} (anything else,
 *       the database unreachable included);</li>
 *   <li>{@code tracebridge_search_results}: traces returned per page;</li>
 *   <li>{@code tracebridge_search_throttled_total{outcome}}: search and analytics statements held
 *       back by the database-time budget ({@code TRACEBRIDGE_SEARCH_DB_SHARE}), outcome
 *       {@code waited} (started after waiting for it) or {@code refused} (answered 503 without
 *       running: over the budget, or still waiting with half the time limit gone).</li>
 * </ul>
 */
@ApplicationScoped
public class SearchMetrics {
    private final Timer ok;
    private final Timer invalid;
    private final Timer unavailable;
    private final Timer error;
    private final DistributionSummary results;
    private final Counter waited;
    private final Counter refused;

    public SearchMetrics(MeterRegistry registry) {
        this.ok = timer(registry, "ok");
        this.invalid = timer(registry, "invalid");
        this.unavailable = timer(registry, "unavailable");
        this.error = timer(registry, "error");
        this.results = DistributionSummary.builder("tracebridge.search.results")
                .description("Traces returned per search page").register(registry);
        this.waited = throttledCounter(registry, "waited");
        this.refused = throttledCounter(registry, "refused");
    }

    private static Counter throttledCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("tracebridge.search.throttled").tag("outcome", outcome)
                .description("Search and analytics statements held back by TRACEBRIDGE_SEARCH_DB_SHARE").register(registry);
    }

    /** A statement waited for the database-time budget ({@code true}) or was refused for it. */
    public void throttled(boolean waitedForIt) {
        (waitedForIt ? waited : refused).increment();
    }

    private static Timer timer(MeterRegistry registry, String outcome) {
        return Timer.builder("tracebridge.search.requests").description("Trace searches")
                .tag("outcome", outcome).publishPercentileHistogram().register(registry);
    }

    public void succeeded(long startNanos, int traces) {
        ok.record(Duration.ofNanos(System.nanoTime() - startNanos));
        results.record(traces);
    }

    public void failed(long startNanos, Throwable failure) {
        ErrorCode code = failure instanceof MlflowException m ? m.code() : ErrorCode.INTERNAL_ERROR;
        Timer timer = switch (code) {
            case TEMPORARILY_UNAVAILABLE -> unavailable;
            case INTERNAL_ERROR -> error;
            default -> invalid;
        };
        timer.record(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}

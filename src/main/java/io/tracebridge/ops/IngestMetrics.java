package io.tracebridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Locale;

/**
 * Ingest metrics, exported on {@code /q/metrics}:
 * <ul>
 *   <li>{@code tracebridge_ingest_spans_received_total{transport}}: spans decoded from requests;</li>
 *   <li>{@code tracebridge_ingest_spans_stored_total{transport}}: spans committed;</li>
 *   <li>{@code tracebridge_ingest_spans_rejected_total{transport,reason}}: spans not stored;</li>
 *   <li>{@code tracebridge_ingest_attribute_values_truncated_total{transport}};</li>
 *   <li>{@code tracebridge_ingest_text_values_replaced_total{transport}}: strings whose NUL
 *   characters or unpaired surrogates were replaced with U+FFFD;</li>
 *   <li>{@code tracebridge_ingest_span_limits_total{transport,what}}: what the span limits cut
 *   ({@code name_truncated}) or dropped ({@code attribute_dropped}, {@code event_dropped});</li>
 *   <li>{@code tracebridge_ingest_requests_seconds{transport,outcome}}: request latency and count.</li>
 * </ul>
 */
@ApplicationScoped
public class IngestMetrics {
    public enum Transport { HTTP, GRPC }

    private final MeterRegistry registry;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void received(Transport t, int spans) {
        counter("tracebridge.ingest.spans.received", t).increment(spans);
    }

    public void stored(Transport t, int spans) {
        counter("tracebridge.ingest.spans.stored", t).increment(spans);
    }

    public void rejected(Transport t, String reason, int spans) {
        if (spans > 0) {
            Counter.builder("tracebridge.ingest.spans.rejected").tag("transport", name(t)).tag("reason", reason)
                    .register(registry).increment(spans);
        }
    }

    public void truncated(Transport t, int values) {
        if (values > 0) {
            counter("tracebridge.ingest.attribute.values.truncated", t).increment(values);
        }
    }

    public void replacedText(Transport t, int values) {
        if (values > 0) {
            counter("tracebridge.ingest.text.values.replaced", t).increment(values);
        }
    }

    /** Names cut or attributes and events dropped by the span limits; {@code what} names which. */
    public void limited(Transport t, String what, int n) {
        if (n > 0) {
            Counter.builder("tracebridge.ingest.span.limits").tag("transport", name(t)).tag("what", what)
                    .register(registry).increment(n);
        }
    }

    public void request(Transport t, String outcome, long startNanos) {
        Timer.builder("tracebridge.ingest.requests").tag("transport", name(t)).tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private Counter counter(String name, Transport t) {
        return Counter.builder(name).tag("transport", name(t)).register(registry);
    }

    private static String name(Transport t) {
        return t.name().toLowerCase(Locale.ROOT);
    }
}

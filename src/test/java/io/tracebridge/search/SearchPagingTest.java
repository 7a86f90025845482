package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keyset paging: no trace is skipped or repeated while new traces arrive between pages. */
@QuarkusTest
class SearchPagingTest {

    @Test
    void pagingWhileInserting() {
        String exp = Experiments.create("paging");
        OtlpHttpSpanExporter exporter = Otel.httpExporter(exp, null);
        long base = System.currentTimeMillis() - 3_600_000;
        List<String> original = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            // Two traces per timestamp, so the trace-ID tie-breaker matters.
            original.add(send(exporter, "t" + i, base + (i / 2) * 1000L));
        }
        int[] inserted = {0};
        List<String> seen = TraceSearchTest.allPages(null, 7, exp, () -> {
            // Newer than everything (lands on pages already read) and older (lands on pages to come).
            send(exporter, "new-" + inserted[0], base + 10_000_000L + inserted[0]);
            send(exporter, "old-" + inserted[0], base - 10_000_000L - inserted[0]);
            inserted[0]++;
        });
        assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
        assertThat(seen).containsAll(original);
        // The original traces come newest first, ties by trace ID ascending.
        List<String> originalInOrder = seen.stream().filter(original::contains).toList();
        List<String> expected = new ArrayList<>(original);
        expected.sort((a, b) -> {
            int ia = original.indexOf(a) / 2;
            int ib = original.indexOf(b) / 2;
            return ia != ib ? Integer.compare(ib, ia) : a.compareTo(b);
        });
        assertThat(originalInOrder).containsExactlyElementsOf(expected);
        // Older traces inserted while paging came after the cursor and were returned.
        assertThat(seen.size()).isGreaterThan(original.size());
    }

    private static String send(OtlpHttpSpanExporter exporter, String name, long startMs) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span s = tracer.spanBuilder(name).setStartTimestamp(startMs, TimeUnit.MILLISECONDS).startSpan();
        s.end(startMs + 10, TimeUnit.MILLISECONDS);
        assertThat(Otel.send(exporter, rec.spans())).isTrue();
        return "tr-" + s.getSpanContext().getTraceId();
    }
}

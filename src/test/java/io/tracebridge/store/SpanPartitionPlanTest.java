package io.tracebridge.store;

import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.search.TraceSearch;
import io.tracebridge.support.Experiments;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading a trace's spans touches its own day partition only (run-time partition pruning through
 * the trace row's span_part, migration V9): over three days of spans, get-trace's plan holds
 * only the trace's day, and a span filter's plan never executes the scans of the other days.
 */
@QuarkusTest
class SpanPartitionPlanTest {
    private static final LocalDate[] DAYS = {LocalDate.of(2090, 1, 1), LocalDate.of(2090, 1, 2), LocalDate.of(2090, 1, 3)};

    @Inject
    Pool pool;

    @Inject
    SpanPartitionStore partitions;

    @Test
    void getTraceAndSpanFiltersReadOnlyTheTracesOwnPartition() {
        long exp = Long.parseLong(Experiments.create("partition-plans"));
        String prefix = "tr-part-" + exp + "-";
        for (int d = 0; d < DAYS.length; d++) {
            partitions.ensure(DAYS[d]).await().indefinitely();
            pool.preparedQuery("""
                    INSERT INTO traces (trace_id, experiment_id, client_request_id, request_time, state, has_root, span_part)
                    SELECT $1 || $3 || '-' || g, $2, 'req-' || $1 || $3 || '-' || g, 1700000000000 + g, 'OK', true, $4
                    FROM generate_series(1, 200) g
                    """).execute(Tuple.of(prefix, exp, Integer.toString(d), DAYS[d])).await().indefinitely();
            pool.preparedQuery("""
                    INSERT INTO spans (trace_id, span_id, name, span_type, status, start_time_ns, content, span_part)
                    SELECT $1 || $2 || '-' || g, lpad(to_hex(s), 16, '0'), 'step-' || s, 'LLM', 'OK', s, '{}', $3
                    FROM generate_series(1, 200) g, generate_series(1, 10) s
                    """).execute(Tuple.of(prefix, Integer.toString(d), DAYS[d])).await().indefinitely();
        }
        pool.query("ANALYZE traces").execute().await().indefinitely();
        pool.query("ANALYZE spans").execute().await().indefinitely();
        String traceId = prefix + "1-7";

        // Get-trace knows the trace's day before it reads spans: the other days are not even planned.
        LocalDate day = pool.preparedQuery(PgTraceStore.SELECT_SPAN_PARTS).execute(Tuple.of((Object) new String[] {traceId}))
                .await().indefinitely().iterator().next().getLocalDate("span_part");
        assertThat(day).isEqualTo(DAYS[1]);
        String getSpans = explain(PgTraceStore.SELECT_SPANS, Tuple.of(new String[] {traceId}, new LocalDate[] {day}));
        assertThat(getSpans).contains("spans_p20900102").doesNotContain("spans_p20900101").doesNotContain("spans_p20900103")
                .doesNotContain("spans_legacy");

        SqlQuery q = PgTraceQuery.compile(TraceSearch.compile(List.of(exp),
                "attributes.client_request_id = 'req-" + traceId + "' AND span.name = 'step-3'", List.of(), 100, null));
        String search = explain(q.sql(), Tuple.from(q.params()));
        assertOnlyDayTwoRuns(search);
    }

    /** Every scan of a partition other than day two's says it never ran; day two's ran. */
    private static void assertOnlyDayTwoRuns(String plan) {
        List<String> scans = plan.lines().filter(l -> l.contains(" on spans_p2090")).toList();
        assertThat(scans).as(plan).anyMatch(l -> l.contains("spans_p20900102") && !l.contains("never executed"));
        assertThat(scans).as(plan).filteredOn(l -> !l.contains("spans_p20900102"))
                .allMatch(l -> l.contains("never executed"));
    }

    private String explain(String sql, Tuple params) {
        StringBuilder b = new StringBuilder();
        for (Row r : pool.preparedQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql).execute(params).await().indefinitely()) {
            b.append(r.getString(0)).append('\n');
        }
        return b.toString();
    }
}

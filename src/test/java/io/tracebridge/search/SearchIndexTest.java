package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.store.PgTraceQuery;
import io.tracebridge.store.SqlQuery;
import io.tracebridge.support.Experiments;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The common lookups use their indexes. 20,000 traces are inserted directly (this tests query
 * plans, not ingest), the tables analysed, and the plan of each compiled search inspected.
 */
@QuarkusTest
class SearchIndexTest {

    @Inject
    Pool pool;

    @Test
    void lookupsUseIndexes() {
        long exp = Long.parseLong(Experiments.create("plans"));
        pool.preparedQuery("""
                INSERT INTO traces (trace_id, experiment_id, client_request_id, session_id, user_id, request_time,
                    end_time, state, has_root, span_part)
                SELECT 'tr-plan-' || $2 || '-' || g, $1, 'req-' || g, 'session-' || (g % 400), 'user-' || (g % 1000),
                    1700000000000 + g * 1000, 1700000000000 + g * 1000 + 50,
                    CASE WHEN g % 50 = 0 THEN 'ERROR' ELSE 'OK' END, true, current_date
                FROM generate_series(1, 20000) g
                """).execute(Tuple.of(exp, Long.toString(exp))).await().indefinitely();
        pool.preparedQuery("""
                INSERT INTO trace_tags (trace_id, key, value, rank)
                SELECT 'tr-plan-' || $1 || '-' || g, 'ticket', 'T-' || g, 2 FROM generate_series(1, 20000) g
                """).execute(Tuple.of(Long.toString(exp))).await().indefinitely();
        pool.query("ANALYZE traces").execute().await().indefinitely();
        pool.query("ANALYZE trace_tags").execute().await().indefinitely();

        assertThat(plan(exp, "attributes.client_request_id = 'req-777'")).contains("traces_client_request_id_idx");
        assertThat(plan(exp, "metadata.`mlflow.trace.user` = 'user-42'")).contains("traces_user_idx");
        assertThat(plan(exp, "tags.`mlflow.trace.session` = 'session-7'")).contains("traces_session_idx");
        assertThat(plan(exp, "metadata.`mlflow.trace.session` = 'session-7'")).contains("traces_session_idx");
        assertThat(plan(exp, "tag.ticket = 'T-123'")).contains("trace_tags_key_value_idx");
        assertThat(plan(exp, "trace.status = 'ERROR' AND trace.timestamp_ms > 1700015000000"))
                .contains("traces_experiment_state_time_idx");
        assertThat(plan(exp, "trace.timestamp_ms > 1700019000000 AND trace.timestamp_ms < 1700019500000"))
                .contains("traces_experiment_time_idx");
        // The default order (newest first, then trace ID) comes from the index: no sort of the matches.
        assertThat(plan(exp, "")).contains("traces_experiment_time_idx").doesNotContain("Sort");
        assertThat(plan(exp, "tag.ticket LIKE 'T-%'")).doesNotContain("Sort");
    }

    /**
     * The service's connections carry the session settings the benchmarks rely on (see
     * application.properties): JIT compiling a short statement once cost 88 ms per ingest batch.
     */
    @Test
    void connectionsCarryTheServiceSessionSettings() {
        Row r = pool.query("SELECT current_setting('jit'), current_setting('plan_cache_mode'), "
                + "current_setting('max_parallel_workers_per_gather')").execute().await().indefinitely()
                .iterator().next();
        assertThat(r.getString(0)).isEqualTo("off");
        assertThat(r.getString(1)).isEqualTo("force_custom_plan");
        assertThat(r.getString(2)).isEqualTo("0");
    }

    private String plan(long exp, String filter) {
        SqlQuery q = PgTraceQuery.compile(TraceSearch.compile(List.of(exp), filter, List.of(), 100, null));
        StringBuilder b = new StringBuilder();
        for (Row r : pool.preparedQuery("EXPLAIN " + q.sql()).execute(Tuple.from(q.params())).await().indefinitely()) {
            b.append(r.getString(0)).append('\n');
        }
        return b.toString();
    }
}

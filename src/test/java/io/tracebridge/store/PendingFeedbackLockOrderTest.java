package io.tracebridge.store;

import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pending feedback and trace writes take their locks in one order, traces first
 * ({@link PendingFeedbackSql}). The state a commit race can leave, a pending row whose trace is
 * already stored, is made directly; a transaction then does what a new batch of that trace does
 * (locks the trace, then the pending rows of its client request ID) while the sweep runs. With
 * the sweep locking pending rows first, the two deadlock and PostgreSQL aborts one of them.
 */
@QuarkusTest
class PendingFeedbackLockOrderTest {
    @Inject
    Pool pool;

    @Inject
    PendingFeedbackStore pending;

    @Test
    void aSweepAndANewBatchOfTheTraceDoNotDeadlock() throws Exception {
        String exp = Experiments.create("lock-order");
        String requestId = "req-" + UUID.randomUUID();
        String traceId = Traces.send(exp, "chat", requestId);
        String pendingId = "pf-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        pendingRow(pendingId, requestId, exp, now);

        SqlConnection batch = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        CompletableFuture<int[]> sweep;
        try {
            batch.query("BEGIN").execute().await().atMost(Duration.ofSeconds(5));
            // The batch's trace upsert holds the trace row ...
            batch.preparedQuery("SELECT 1 FROM traces WHERE trace_id = $1 FOR NO KEY UPDATE")
                    .execute(Tuple.of(traceId)).await().atMost(Duration.ofSeconds(5));
            sweep = pending.sweep(now, 0).subscribeAsCompletionStage();
            Thread.sleep(500);
            // ... then its attach waits for the pending rows of its client request ID.
            assertThat(batch.preparedQuery("SELECT pending_id FROM pending_feedback WHERE client_request_id = $1 "
                            + "AND status = 'PENDING' FOR UPDATE").execute(Tuple.of(requestId))
                    .await().atMost(Duration.ofSeconds(10)).rowCount()).isEqualTo(1);
            batch.query("COMMIT").execute().await().atMost(Duration.ofSeconds(5));
        } finally {
            batch.closeAndAwait();
        }
        // The sweep finished without a deadlock; it left the trace being written alone.
        sweep.get(10, TimeUnit.SECONDS);
        assertThat(status(pendingId)).isEqualTo("PENDING");
        // The next sweep attaches it, exactly once.
        pending.sweep(System.currentTimeMillis(), 0).await().atMost(Duration.ofSeconds(10));
        assertThat(status(pendingId)).isEqualTo("ATTACHED");
        assertThat(Db.count(pool, "SELECT count(*) FROM assessments WHERE trace_id = $1 AND name = 'thumbs'", traceId))
                .isEqualTo(1);
    }

    /**
     * The sweep attaches to the newest trace of the client request ID or not at all: while a
     * writer holds the newest one, the feedback waits instead of going to an older trace.
     */
    @Test
    void aSweepNeverSettlesForAnOlderTrace() throws Exception {
        String exp = Experiments.create("lock-newest");
        String requestId = "req-" + UUID.randomUUID();
        Traces.send(exp, "first", requestId);
        Traces.send(exp, "retry", requestId);
        String newest = Db.rows(pool, "SELECT trace_id FROM traces WHERE client_request_id = $1 "
                + "ORDER BY request_time DESC, trace_id LIMIT 1", requestId).get(0).getString("trace_id");
        String pendingId = "pf-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        pendingRow(pendingId, requestId, exp, now);
        SqlConnection writer = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        try {
            writer.query("BEGIN").execute().await().atMost(Duration.ofSeconds(5));
            writer.preparedQuery("SELECT 1 FROM traces WHERE trace_id = $1 FOR NO KEY UPDATE")
                    .execute(Tuple.of(newest)).await().atMost(Duration.ofSeconds(5));
            pending.sweep(now, 0).await().atMost(Duration.ofSeconds(10));
            assertThat(status(pendingId)).isEqualTo("PENDING");
            writer.query("COMMIT").execute().await().atMost(Duration.ofSeconds(5));
        } finally {
            writer.closeAndAwait();
        }
        pending.sweep(System.currentTimeMillis(), 0).await().atMost(Duration.ofSeconds(10));
        assertThat(Db.rows(pool, "SELECT status, trace_id FROM pending_feedback WHERE pending_id = $1", pendingId).get(0)
                .getString("trace_id")).isEqualTo(newest);
    }

    /** A pending feedback row as a commit race leaves it: PENDING although its trace is stored. */
    private void pendingRow(String pendingId, String requestId, String experimentId, long now) {
        Db.rows(pool, "INSERT INTO pending_feedback (pending_id, client_request_id, experiment_id, name, value_json, "
                + "value_text, rationale, source_type, source_id, metadata_json, status, create_time, expires_at) "
                + "VALUES ($1, $2, $3, 'thumbs', 'true', 'true', 'late', 'HUMAN', 'u1', '{}', 'PENDING', $4, $5)",
                pendingId, requestId, Long.parseLong(experimentId), now, now + 3_600_000L);
    }

    private String status(String pendingId) {
        return Db.rows(pool, "SELECT status FROM pending_feedback WHERE pending_id = $1", pendingId).get(0)
                .getString("status");
    }
}

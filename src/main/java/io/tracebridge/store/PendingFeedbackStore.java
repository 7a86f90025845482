package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.PendingFeedback;
import io.tracebridge.model.MlflowException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Feedback by client request ID (docs/mlflow-compatibility.md §8.7): logged on the newest trace with that ID, or kept
 * pending until such a trace arrives. Traces of deleted experiments do not count (until restored). Guarantee: a pending feedback becomes at most one
 * assessment (rows are locked while attached), and one whose trace is stored before it expires
 * is attached by the ingest transaction or, at the latest, by the next sweep.
 */
@ApplicationScoped
public class PendingFeedbackStore {
    /** Either the assessment logged now, or the pending record kept for later. */
    public record Outcome(Assessment assessment, PendingFeedback pending) {
    }

    private static final String COLUMNS = "pending_id, client_request_id, experiment_id, name, value_json, rationale, "
            + "source_type, source_id, metadata_json, status, trace_id, assessment_id, create_time, expires_at";

    private final Pool pool;

    public PendingFeedbackStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * @param experimentId null to look in every experiment
     * @param feedback     the assessment to log; its trace ID is ignored and chosen here
     */
    public Uni<Outcome> log(String clientRequestId, Long experimentId, Assessment feedback, String pendingId,
                            long expiresAtMs) {
        return pool.withTransaction(conn -> newestTrace(conn, clientRequestId, experimentId).chain(traceId -> {
            if (traceId != null) {
                Assessment a = withTrace(feedback, traceId);
                return conn.preparedQuery(PgAssessmentStore.INSERT).execute(PgAssessmentStore.insertTuple(a))
                        .replaceWith(new Outcome(a, null));
            }
            AssessmentRows.SearchValue sv = AssessmentRows.searchValue(feedback.valueJson());
            return conn.preparedQuery("INSERT INTO pending_feedback (pending_id, client_request_id, experiment_id, name, "
                            + "value_json, value_text, value_number, rationale, source_type, source_id, metadata_json, "
                            + "status, create_time, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                            + "'PENDING', $12, $13)")
                    .execute(Tuple.from(new Object[] {pendingId, Sql.text(clientRequestId), experimentId,
                            Sql.text(feedback.name()), Sql.text(feedback.valueJson()), Sql.text(sv.text()), sv.number(),
                            Sql.text(feedback.rationale()), feedback.sourceType(), Sql.text(feedback.sourceId()),
                            Sql.text(AssessmentRows.metadataJson(feedback.metadata())), feedback.createTimeMs(),
                            expiresAtMs}))
                    // A trace committed since the lookup above is caught here, in the same transaction:
                    // its rows locked first, then the pending rows (PendingFeedbackSql's lock order).
                    .chain(() -> attach(conn, PendingFeedbackSql.LOCK_TRACES, PendingFeedbackSql.ATTACH,
                            feedback.createTimeMs(), new String[] {clientRequestId}))
                    .chain(() -> select(conn, pendingId))
                    .chain(p -> "ATTACHED".equals(p.status())
                            ? conn.preparedQuery("SELECT " + AssessmentRows.COLUMNS + " FROM assessments WHERE "
                                    + "assessment_id = $1").execute(Tuple.of(p.assessmentId()))
                            .map(rs -> new Outcome(AssessmentRows.fromRow(rs.iterator().next()), null))
                            : Uni.createFrom().item(new Outcome(null, p)));
        }))
                // Two traces with one client request ID written at once can still deadlock with
                // this transaction (PendingFeedbackSql); it rolled back whole and simply runs again.
                .onFailure(Sql::isRetryable).retry().atMost(3);
    }

    /**
     * Locks the traces the pending rows of {@code requestIds} (null: all) may attach to, then
     * attaches to those only; returns how many pending rows were attached.
     */
    private static Uni<Integer> attach(SqlConnection conn, String lockTraces, String attach, long nowMs,
                                       String[] requestIds) {
        return conn.preparedQuery(lockTraces).execute(Tuple.of(nowMs, requestIds)).chain(traces -> {
            List<String> ids = new ArrayList<>();
            traces.forEach(r -> ids.add(r.getString("trace_id")));
            return ids.isEmpty() ? Uni.createFrom().item(0)
                    : conn.preparedQuery(attach).execute(Tuple.of(nowMs, requestIds, ids.toArray(String[]::new)))
                    .map(rows -> rows.rowCount());
        });
    }

    private static Assessment withTrace(Assessment a, String traceId) {
        return new Assessment(a.assessmentId(), traceId, a.name(), a.kind(), a.valueJson(), a.errorJson(),
                a.serializedFormat(), a.rationale(), a.sourceType(), a.sourceId(), a.spanId(), a.metadata(),
                a.overrides(), a.valid(), a.createTimeMs(), a.lastUpdateTimeMs());
    }

    private static Uni<String> newestTrace(SqlConnection conn, String clientRequestId, Long experimentId) {
        // Traces of deleted experiments are not candidates until the experiment is restored.
        return conn.preparedQuery("SELECT t.trace_id FROM traces t JOIN experiments e ON e.experiment_id = t.experiment_id "
                        + "AND e.lifecycle_stage = 'active' WHERE t.client_request_id = $1 "
                        + "AND ($2::bigint IS NULL OR t.experiment_id = $2::bigint) ORDER BY t.request_time DESC, t.trace_id LIMIT 1")
                .execute(Tuple.of(clientRequestId, experimentId))
                .map(rs -> rs.size() == 0 ? null : rs.iterator().next().getString("trace_id"));
    }

    private static Uni<PendingFeedback> select(SqlConnection conn, String pendingId) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM pending_feedback WHERE pending_id = $1")
                .execute(Tuple.of(pendingId))
                .map(rs -> {
                    if (rs.size() == 0) {
                        throw MlflowException.notFound("Pending feedback '" + pendingId + "' not found");
                    }
                    return fromRow(rs.iterator().next());
                });
    }

    /** Newest first; {@code status} and {@code experimentId} may be null for all. */
    public Uni<List<PendingFeedback>> list(Long experimentId, String status, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM pending_feedback WHERE ($1::varchar IS NULL OR status = $1) "
                        + "AND ($2::bigint IS NULL OR experiment_id = $2::bigint) ORDER BY create_time DESC, pending_id LIMIT $3")
                .execute(Tuple.of(status, experimentId, limit))
                .map(rows -> {
                    List<PendingFeedback> out = new ArrayList<>();
                    rows.forEach(r -> out.add(fromRow(r)));
                    return out;
                });
    }

    /**
     * Attaches, expires, and deletes attached or expired records created before
     * {@code purgeBeforeMs} (at most {@link #PURGE_BATCH} per sweep); returns the three counts.
     */
    public Uni<int[]> sweep(long nowMs, long purgeBeforeMs) {
        // The attach commits on its own, so the trace locks it takes last only as long as it does.
        return pool.withTransaction(conn -> attach(conn, PendingFeedbackSql.LOCK_TRACES_SWEEP,
                        PendingFeedbackSql.ATTACH_SWEEP, nowMs, null))
                .chain(attached -> pool.withTransaction(conn -> conn.preparedQuery(PendingFeedbackSql.EXPIRE).execute(Tuple.of(nowMs))
                        .chain(expired -> conn.preparedQuery(PendingFeedbackSql.PURGE)
                                .execute(Tuple.of(purgeBeforeMs, PURGE_BATCH))
                                .map(purged -> new int[] {attached, expired.rowCount(), purged.rowCount()}))));
    }

    public static final int PURGE_BATCH = 10_000;

    private static PendingFeedback fromRow(Row r) {
        Long exp = r.getLong("experiment_id");
        return new PendingFeedback(r.getString("pending_id"), r.getString("client_request_id"),
                exp == null ? null : exp.toString(), r.getString("name"), r.getString("value_json"),
                r.getString("rationale"), r.getString("source_type"), r.getString("source_id"),
                AssessmentRows.metadata(r.getString("metadata_json")), r.getString("status"), r.getString("trace_id"),
                r.getString("assessment_id"), r.getLong("create_time"), r.getLong("expires_at"));
    }
}

package io.tracebridge.store;

/**
 * Attaching pending feedback to traces. One statement: lock the pending rows, pick the newest
 * trace with the same client request ID (in the pending row's experiment, if it names one; never
 * in a deleted experiment; only among the traces {@code $3} lists, when it is not NULL), insert
 * the assessments and mark the rows ATTACHED. $1 is "now" in epoch ms; $2 limits it to some
 * client request IDs, or NULL for all.
 * Runs inside the ingest transaction (so feedback attaches when its trace commits), after a
 * pending row is written, and from the periodic sweep.
 *
 * <p><b>Lock order.</b> Every path locks trace rows before pending rows, and attaches only to
 * traces it holds ({@code $3}): a write holds its batch's traces (the upserts), and the sweep and
 * a new pending row first lock the traces they may attach to ({@link #LOCK_TRACES_SWEEP},
 * {@link #LOCK_TRACES}, in trace-ID order as writes do). The assessment insert's trigger locks
 * the matched trace (migration V5), which is then always one the transaction already holds.
 * Without that, a sweep holding a pending row and waiting for its trace, and a new batch of that
 * trace holding the trace and waiting for the pending row, deadlock
 * ({@code PendingFeedbackLockOrderTest}). The newest trace of the client request ID is chosen
 * before that filter: when the caller does not hold it, the row waits for that trace's writer or
 * the next sweep instead of going to an older trace.
 */
final class PendingFeedbackSql {
    /**
     * For the client request IDs of a write (ingest, StartTraceV3, a new pending row): waits for
     * a pending row that another transaction holds rather than skipping it. Skipping would lose
     * the moment: the periodic sweep may hold the row while it looks for the trace, not see it
     * (not committed yet), and leave the feedback pending until its next run.
     */
    static final String ATTACH = attach("");
    /** The periodic sweep: rows being attached elsewhere are skipped, not attached twice. */
    static final String ATTACH_SWEEP = attach(" SKIP LOCKED");

    /**
     * The traces a pending row of the given client request IDs ($2) may attach to (same client
     * request ID, the row's experiment if it names one, an active experiment), locked in
     * trace-ID order, waiting for writers (a new pending row holds no other pending row yet).
     */
    static final String LOCK_TRACES = lockTraces("");
    /**
     * The sweep's: traces being written are skipped. Their writer attaches the feedback itself
     * once the sweep commits, since the sweep never matches a trace it did not lock.
     */
    static final String LOCK_TRACES_SWEEP = lockTraces(" SKIP LOCKED");

    private static String lockTraces(String lockWait) {
        return """
            SELECT t.trace_id FROM traces t
            JOIN experiments e ON e.experiment_id = t.experiment_id AND e.lifecycle_stage = 'active'
            WHERE EXISTS (
                SELECT 1 FROM pending_feedback p
                WHERE p.status = 'PENDING' AND p.expires_at > $1 AND p.client_request_id = t.client_request_id
                  AND (p.experiment_id IS NULL OR p.experiment_id = t.experiment_id)
                  AND ($2::varchar[] IS NULL OR p.client_request_id = ANY($2::varchar[])))
            ORDER BY t.trace_id
            FOR NO KEY UPDATE OF t%s
            """.formatted(lockWait);
    }

    private static String attach(String lockWait) {
        return """
            WITH locked AS (
                SELECT pending_id, client_request_id, experiment_id FROM pending_feedback
                WHERE status = 'PENDING' AND expires_at > $1
                  AND ($2::varchar[] IS NULL OR client_request_id = ANY($2::varchar[]))
                FOR UPDATE%s
            ), newest AS (
                SELECT DISTINCT ON (l.pending_id) l.pending_id, t.trace_id
                FROM locked l
                JOIN traces t ON t.client_request_id = l.client_request_id
                             AND (l.experiment_id IS NULL OR t.experiment_id = l.experiment_id)
                JOIN experiments e ON e.experiment_id = t.experiment_id AND e.lifecycle_stage = 'active'
                ORDER BY l.pending_id, t.request_time DESC, t.trace_id
            ), matched AS (
                -- The newest trace is chosen first: when it is one the caller did not lock, the row
                -- waits (for that trace's writer, or the next sweep) rather than go to an older one.
                SELECT n.pending_id, n.trace_id, 'a-' || replace(gen_random_uuid()::text, '-', '') AS assessment_id
                FROM newest n WHERE $3::varchar[] IS NULL OR n.trace_id = ANY($3::varchar[])
            ), inserted AS (
                INSERT INTO assessments (assessment_id, trace_id, name, kind, value_json, value_text, value_number,
                    rationale, source_type, source_id, metadata_json, valid, create_time, last_update_time)
                SELECT m.assessment_id, m.trace_id, p.name, 'FEEDBACK', p.value_json, p.value_text, p.value_number,
                    p.rationale, p.source_type, p.source_id, p.metadata_json, true, p.create_time, $1
                FROM matched m JOIN pending_feedback p ON p.pending_id = m.pending_id
            )
            UPDATE pending_feedback p SET status = 'ATTACHED', trace_id = m.trace_id,
                assessment_id = m.assessment_id, attached_at = $1
            FROM matched m WHERE p.pending_id = m.pending_id
            RETURNING p.pending_id
            """.formatted(lockWait);
    }

    static final String EXPIRE = """
            UPDATE pending_feedback SET status = 'EXPIRED' WHERE status = 'PENDING' AND expires_at <= $1
            """;

    /** Attached and expired records created before $1, at most $2 per sweep (pending ones are never purged). */
    static final String PURGE = """
            DELETE FROM pending_feedback WHERE pending_id IN (
                SELECT pending_id FROM pending_feedback
                WHERE status IN ('ATTACHED', 'EXPIRED') AND create_time < $1 LIMIT $2)
            """;

    private PendingFeedbackSql() {
    }
}

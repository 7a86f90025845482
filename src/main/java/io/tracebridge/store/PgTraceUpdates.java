package io.tracebridge.store;

import java.time.Clock;
import io.smallrye.mutiny.Uni;
import io.tracebridge.mapping.Rank;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceTagKeys;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link TraceUpdates} on the reactive PostgreSQL client. */
@ApplicationScoped
public class PgTraceUpdates implements TraceUpdates {
    private static final String UPSERT_TAG = """
            INSERT INTO trace_tags (trace_id, key, value, rank) VALUES ($1, $2, $3, $4)
            ON CONFLICT (trace_id, key) DO UPDATE SET value = EXCLUDED.value, rank = EXCLUDED.rank
            """;

    private static final String START_TRACE = """
            INSERT INTO traces AS t (trace_id, experiment_id, client_request_id, client_request_id_rank, session_id,
                session_rank, user_id, user_rank, request_time, end_time, state, request_preview, response_preview,
                request_preview_source, response_preview_source, info_finalized, span_part)
            VALUES ($1, $2, $3, CASE WHEN $3::varchar IS NULL THEN $11::smallint ELSE $12::smallint END, $4,
                CASE WHEN $4::varchar IS NULL THEN $11 ELSE $12 END, $5, CASE WHEN $5::varchar IS NULL THEN $11 ELSE $12 END,
                $6, $7, $8, $9, $10, CASE WHEN $9::text IS NULL THEN NULL ELSE '' END,
                CASE WHEN $10::text IS NULL THEN NULL ELSE '' END, true, $13::date)
            ON CONFLICT (trace_id) DO UPDATE SET
                client_request_id = COALESCE(EXCLUDED.client_request_id, t.client_request_id),
                client_request_id_rank = GREATEST(t.client_request_id_rank, EXCLUDED.client_request_id_rank),
                session_id = COALESCE(EXCLUDED.session_id, t.session_id),
                session_rank = GREATEST(t.session_rank, EXCLUDED.session_rank),
                user_id = COALESCE(EXCLUDED.user_id, t.user_id),
                user_rank = GREATEST(t.user_rank, EXCLUDED.user_rank),
                request_time = EXCLUDED.request_time,
                end_time = COALESCE(EXCLUDED.end_time, t.end_time),
                state = EXCLUDED.state,
                request_preview = COALESCE(EXCLUDED.request_preview, t.request_preview),
                response_preview = COALESCE(EXCLUDED.response_preview, t.response_preview),
                request_preview_source = COALESCE(EXCLUDED.request_preview_source, t.request_preview_source),
                response_preview_source = COALESCE(EXCLUDED.response_preview_source, t.response_preview_source),
                info_finalized = true
            WHERE t.experiment_id = EXCLUDED.experiment_id
            RETURNING t.trace_id
            """;

    private final Pool pool;
    private final Clock clock;

    public PgTraceUpdates(Pool pool, Clock clock) {
        this.pool = pool;
        this.clock = clock;
    }

    @Override
    public Uni<Void> setTag(String traceId, String key, String value) {
        return pool.withTransaction(conn -> requireTrace(conn, traceId)
                .chain(() -> conn.preparedQuery(UPSERT_TAG)
                        .execute(Tuple.of(traceId, Sql.text(key), Sql.text(value), Rank.EXPLICIT)))
                .replaceWithVoid());
    }

    @Override
    public Uni<Void> deleteTag(String traceId, String key) {
        return pool.withTransaction(conn -> requireTrace(conn, traceId)
                .chain(() -> conn.preparedQuery("DELETE FROM trace_tags WHERE trace_id = $1 AND key = $2")
                        .execute(Tuple.of(traceId, key)))
                .map(rs -> {
                    if (rs.rowCount() == 0) {
                        throw MlflowException.notFound("No trace tag with key '" + key + "' for trace with ID '"
                                + traceId + "'");
                    }
                    return null;
                }));
    }

    @Override
    public Uni<Integer> deleteTraces(long experimentId, List<String> traceIds) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "DELETE FROM traces WHERE experiment_id = $1 AND trace_id = ANY($2) RETURNING trace_id, span_part")
                .execute(Tuple.of(experimentId, traceIds.toArray(String[]::new)))
                .chain(rows -> SpanPartitionStore.deleteSpansOf(conn, rows))
                .map(List::size));
    }

    @Override
    public Uni<Integer> deleteOlderThan(long experimentId, long maxTimestampMs, Integer maxTraces) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        DELETE FROM traces WHERE trace_id IN (
                            SELECT trace_id FROM traces WHERE experiment_id = $1 AND request_time <= $2
                            ORDER BY request_time, trace_id LIMIT $3)
                        RETURNING trace_id, span_part
                        """)
                .execute(Tuple.of(experimentId, maxTimestampMs, maxTraces == null ? Integer.MAX_VALUE : maxTraces))
                .chain(rows -> SpanPartitionStore.deleteSpansOf(conn, rows))
                .map(List::size));
    }

    @Override
    public Uni<Void> startTrace(Experiment experiment, TraceInfo info) {
        Map<String, String> metadata = info.metadata();
        String session = metadata.get(TraceMetadataKeys.TRACE_SESSION);
        String user = metadata.get(TraceMetadataKeys.TRACE_USER);
        Long end = info.executionDurationMs() == null ? null : info.requestTimeMs() + info.executionDurationMs();
        Tuple trace = Tuple.from(new Object[] {info.traceId(), Long.parseLong(experiment.experimentId()),
                Sql.text(info.clientRequestId()), Sql.text(session), Sql.text(user), info.requestTimeMs(), end,
                info.state().name(), Sql.text(info.requestPreview()), Sql.text(info.responsePreview()),
                Rank.NONE, Rank.EXPLICIT, SpanPartitionStore.dayOf(clock.millis())});
        List<Tuple> meta = new ArrayList<>();
        metadata.forEach((k, v) -> {
            if (!k.equals(TraceMetadataKeys.TRACE_SESSION) && !k.equals(TraceMetadataKeys.TRACE_USER)) {
                meta.add(Tuple.of(info.traceId(), Sql.text(k), Sql.text(v), Rank.EXPLICIT));
            }
        });
        meta.add(Tuple.of(info.traceId(), TraceMetadataKeys.INFO_FINALIZED, "true", Rank.EXPLICIT));
        List<Tuple> tags = new ArrayList<>();
        info.tags().forEach((k, v) -> {
            if (!k.equals(TraceTagKeys.ARTIFACT_LOCATION) && !k.equals(TraceTagKeys.SPANS_LOCATION)) {
                tags.add(Tuple.of(info.traceId(), Sql.text(k), Sql.text(v), Rank.EXPLICIT));
            }
        });
        tags.add(Tuple.of(info.traceId(), TraceTagKeys.ARTIFACT_LOCATION,
                PgTraceStore.artifactLocation(experiment, info.traceId()), Rank.EXPLICIT));
        tags.add(Tuple.of(info.traceId(), TraceTagKeys.SPANS_LOCATION, TraceTagKeys.SPANS_LOCATION_TRACKING_STORE,
                Rank.EXPLICIT));
        // A trace belongs to the experiment that created it: the upsert leaves another
        // experiment's trace alone (and locks it), and the transaction stops before any tag.
        return pool.withTransaction(conn -> conn.preparedQuery(START_TRACE).execute(trace)
                        .invoke(owned -> {
                            if (owned.rowCount() == 0) {
                                throw new MlflowException(ErrorCode.INVALID_PARAMETER_VALUE, "Trace " + info.traceId()
                                        + " belongs to another experiment than " + experiment.experimentId()
                                        + "; a trace cannot be moved or changed through another experiment");
                            }
                        })
                        .chain(() -> conn.preparedQuery("""
                                INSERT INTO trace_metadata (trace_id, key, value, rank) VALUES ($1, $2, $3, $4)
                                ON CONFLICT (trace_id, key) DO UPDATE SET value = EXCLUDED.value, rank = EXCLUDED.rank
                                """).executeBatch(meta))
                        .chain(() -> conn.preparedQuery(UPSERT_TAG).executeBatch(tags))
                        .chain(() -> info.clientRequestId() == null ? Uni.createFrom().voidItem()
                                : conn.preparedQuery(PendingFeedbackSql.ATTACH).execute(
                                        Tuple.of(clock.millis(), new String[] {info.clientRequestId()}, new String[] {info.traceId()})))
                        .replaceWithVoid())
                .onFailure(Sql::isRetryable).retry().atMost(3);
    }

    private static Uni<Void> requireTrace(SqlConnection conn, String traceId) {
        return conn.preparedQuery("SELECT 1 FROM traces WHERE trace_id = $1 FOR UPDATE").execute(Tuple.of(traceId))
                .map(rs -> {
                    if (rs.size() == 0) {
                        throw MlflowException.notFound("Trace with ID '" + traceId + "' not found.");
                    }
                    return null;
                });
    }
}

package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.MlflowException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.function.UnaryOperator;

/**
 * {@link AssessmentStore} on the reactive PostgreSQL client: logging feedback is on the user's
 * request path, so it is a handful of indexed statements in one transaction.
 */
@ApplicationScoped
public class PgAssessmentStore implements AssessmentStore {
    /** The columns of {@link #insertTuple}, in its order: the entity's, then the two search columns. */
    private static final String INSERT_INTO = "INSERT INTO assessments (" + AssessmentRows.COLUMNS
            + ", value_text, value_number) ";
    private static final String INSERT_VALUES = java.util.stream.IntStream.rangeClosed(1, 18)
            .mapToObj(i -> "$" + i).collect(java.util.stream.Collectors.joining(", "));
    static final String INSERT = INSERT_INTO + "VALUES (" + INSERT_VALUES + ")";
    static final String UPDATE = "UPDATE assessments SET name = $3, value_json = $4, error_json = $5, "
            + "serialized_format = $6, rationale = $7, metadata_json = $8, valid = $9, last_update_time = $10, "
            + "value_text = $11, value_number = $12 WHERE trace_id = $1 AND assessment_id = $2";

    private final Pool pool;

    public PgAssessmentStore(Pool pool) {
        this.pool = pool;
    }

    /** The common case, one statement: insert only if the trace exists (no overrides to update). */
    static final String INSERT_IF_TRACE = INSERT_INTO + "SELECT " + INSERT_VALUES
            + " WHERE EXISTS (SELECT 1 FROM traces WHERE trace_id = $2)";

    @Override
    public Uni<Assessment> create(Assessment a) {
        if (a.overrides() == null) {
            return pool.preparedQuery(INSERT_IF_TRACE).execute(insertTuple(a)).map(rs -> {
                if (rs.rowCount() == 0) {
                    throw MlflowException.notFound("Trace with request_id '" + a.traceId() + "' not found");
                }
                return a;
            });
        }
        return pool.withTransaction(conn -> requireTrace(conn, a.traceId())
                .chain(() -> a.overrides() == null ? Uni.createFrom().voidItem()
                        : conn.preparedQuery("UPDATE assessments SET valid = false, last_update_time = $3 "
                                        + "WHERE trace_id = $1 AND assessment_id = $2")
                                .execute(Tuple.of(a.traceId(), a.overrides(), a.lastUpdateTimeMs()))
                                .map(rs -> {
                                    if (rs.rowCount() == 0) {
                                        throw notFound(a.traceId(), a.overrides());
                                    }
                                    return null;
                                }))
                .chain(() -> conn.preparedQuery(INSERT).execute(insertTuple(a)))
                .replaceWith(a));
    }

    static Tuple insertTuple(Assessment a) {
        AssessmentRows.SearchValue sv = AssessmentRows.searchValue(a.valueJson());
        return Tuple.from(new Object[] {a.assessmentId(), a.traceId(), Sql.text(a.name()), a.kind().name(),
                Sql.text(a.valueJson()), Sql.text(a.errorJson()), a.serializedFormat(), Sql.text(a.rationale()),
                a.sourceType(), Sql.text(a.sourceId()), a.spanId(), Sql.text(AssessmentRows.metadataJson(a.metadata())),
                a.overrides(), a.valid(), a.createTimeMs(), a.lastUpdateTimeMs(), Sql.text(sv.text()), sv.number()});
    }

    @Override
    public Uni<Assessment> get(String traceId, String assessmentId) {
        return pool.withConnection(conn -> requireTrace(conn, traceId)
                .chain(() -> select(conn, traceId, assessmentId, false)));
    }

    @Override
    public Uni<Assessment> update(String traceId, String assessmentId, UnaryOperator<Assessment> change) {
        return pool.withTransaction(conn -> requireTrace(conn, traceId)
                .chain(() -> select(conn, traceId, assessmentId, true))
                .chain(old -> {
                    Assessment updated = change.apply(old);
                    AssessmentRows.SearchValue sv = AssessmentRows.searchValue(updated.valueJson());
                    return conn.preparedQuery(UPDATE).execute(Tuple.from(new Object[] {traceId, assessmentId,
                                    Sql.text(updated.name()), Sql.text(updated.valueJson()), Sql.text(updated.errorJson()),
                                    updated.serializedFormat(), Sql.text(updated.rationale()),
                                    Sql.text(AssessmentRows.metadataJson(updated.metadata())), updated.valid(),
                                    updated.lastUpdateTimeMs(), Sql.text(sv.text()), sv.number()}))
                            .replaceWith(updated);
                }));
    }

    @Override
    public Uni<Void> delete(String traceId, String assessmentId) {
        return pool.withTransaction(conn -> requireTrace(conn, traceId)
                .chain(() -> conn.preparedQuery("DELETE FROM assessments WHERE trace_id = $1 AND assessment_id = $2 "
                                + "RETURNING overrides")
                        .execute(Tuple.of(traceId, assessmentId)))
                .chain(rows -> {
                    String overridden = rows.size() == 0 ? null : rows.iterator().next().getString("overrides");
                    if (overridden == null) {
                        return Uni.createFrom().voidItem();
                    }
                    return conn.preparedQuery("UPDATE assessments SET valid = true WHERE trace_id = $1 "
                                    + "AND assessment_id = $2")
                            .execute(Tuple.of(traceId, overridden)).replaceWithVoid();
                }));
    }

    private static Uni<Void> requireTrace(SqlConnection conn, String traceId) {
        return conn.preparedQuery("SELECT 1 FROM traces WHERE trace_id = $1").execute(Tuple.of(traceId))
                .map(rs -> {
                    if (rs.size() == 0) {
                        throw MlflowException.notFound("Trace with request_id '" + traceId + "' not found");
                    }
                    return null;
                });
    }

    private static Uni<Assessment> select(SqlConnection conn, String traceId, String assessmentId, boolean lock) {
        return conn.preparedQuery("SELECT " + AssessmentRows.COLUMNS
                        + " FROM assessments WHERE trace_id = $1 AND assessment_id = $2" + (lock ? " FOR UPDATE" : ""))
                .execute(Tuple.of(traceId, assessmentId))
                .map(rs -> first(rs, traceId, assessmentId));
    }

    private static Assessment first(RowSet<Row> rs, String traceId, String assessmentId) {
        if (rs.size() == 0) {
            throw notFound(traceId, assessmentId);
        }
        return AssessmentRows.fromRow(rs.iterator().next());
    }

    private static MlflowException notFound(String traceId, String assessmentId) {
        return MlflowException.notFound("Assessment with ID '" + assessmentId + "' not found for trace '" + traceId + "'");
    }
}

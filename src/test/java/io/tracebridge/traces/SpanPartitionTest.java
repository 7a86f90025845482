package io.tracebridge.traces;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.store.SpanPartitionStore;
import io.tracebridge.support.AdjustableClock;
import io.tracebridge.support.Db;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The day partitions of spans (docs/partitioning.md) across a simulated clock: partitions made
 * ahead, spans re-sent after midnight staying with their trace's first day, a write finding its
 * day's partition missing, and a partition dropped whole once every trace in it has expired while
 * a partition that still holds a kept trace stays and loses only its expired traces. Each test
 * moves the clock years ahead of the others, so that their days do not meet.
 */
@QuarkusTest
class SpanPartitionTest {
    @Inject
    RetentionSweeper sweeper;

    @Inject
    AdjustableClock clock;

    @Inject
    Pool pool;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void partitionsAreMadeAheadAndSpansResentAfterMidnightStayInTheirTracesFirstDay() {
        String exp = RetentionTest.experiment("forever");
        clock.advance(Duration.ofDays(3000));
        LocalDate day = today();
        assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(30)).ran()).isTrue();
        for (int ahead = 0; ahead <= SpanPartitionKeeper.DAYS_AHEAD; ahead++) {
            assertThat(exists(day.plusDays(ahead))).as("partition of %s", day.plusDays(ahead)).isTrue();
        }

        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("chat").startSpan();
        tracer.spanBuilder("llm").setParent(Context.root().with(root)).startSpan().end();
        root.end();
        List<SpanData> first = List.copyOf(rec.spans());
        assertThat(Otel.send(Otel.httpExporter(exp, null), first)).isTrue();
        String traceId = "tr-" + root.getSpanContext().getTraceId();
        assertThat(partitionOf(traceId)).isEqualTo(day);

        // The next day: the same batch again (an exporter's retry) and one more span of the trace.
        clock.advance(Duration.ofDays(1));
        assertThat(Otel.send(Otel.httpExporter(exp, null), first)).isTrue();
        RecordingExporter later = new RecordingExporter();
        Tracer lateTracer = Otel.tracer(Otel.recordingProvider(later, Attributes.empty()));
        SpanContext parent = root.getSpanContext();
        lateTracer.spanBuilder("late tool call").setParent(Context.root().with(Span.wrap(parent))).startSpan().end();
        assertThat(Otel.send(Otel.httpExporter(exp, null), later.spans())).isTrue();

        assertThat(partitionOf(traceId)).isEqualTo(day);
        assertThat(Db.rows(pool, "SELECT tableoid::regclass::text AS t, count(*) AS n FROM spans WHERE trace_id = $1 GROUP BY 1",
                traceId)).singleElement().satisfies(r -> {
                    assertThat(r.getString("t")).isEqualTo(table(day));
                    assertThat(r.getLong("n")).isEqualTo(3);
                });
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                .body("trace.spans.size()", org.hamcrest.Matchers.equalTo(3));
    }

    @Test
    void aWriteWhoseDayHasNoPartitionYetMakesIt() {
        String exp = RetentionTest.experiment("forever");
        clock.advance(Duration.ofDays(5000));
        LocalDate day = today();
        assertThat(exists(day)).isFalse();
        String traceId = RetentionTest.send(exp, System.currentTimeMillis(), null);
        assertThat(exists(day)).isTrue();
        assertThat(partitionOf(traceId)).isEqualTo(day);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", traceId)).isEqualTo(2);
    }

    @Test
    void aPartitionWhoseTracesAllExpiredGoesWholeAndOneWithAKeptTraceStays() {
        String shortLived = RetentionTest.experiment("P1D");
        String kept = RetentionTest.experiment("forever");
        long requested = System.currentTimeMillis();
        clock.advance(Duration.ofDays(4000));
        LocalDate dayX = today();
        String onlyExpired = RetentionTest.send(shortLived, requested, null);
        clock.advance(Duration.ofDays(1));
        LocalDate dayY = today();
        String expiredBesideKept = RetentionTest.send(shortLived, requested, null);
        String keptTrace = RetentionTest.send(kept, requested, null);
        assertThat(List.of(partitionOf(onlyExpired), partitionOf(expiredBesideKept), partitionOf(keptTrace)))
                .containsExactly(dayX, dayY, dayY);

        clock.advance(Duration.ofDays(3));
        RetentionSweeper.Run run = sweeper.sweep().await().atMost(Duration.ofSeconds(60));

        assertThat(run.partitions().dropped()).isGreaterThanOrEqualTo(1);
        assertThat(exists(dayX)).as("the partition of day X, all of whose traces expired").isFalse();
        assertThat(exists(dayY)).as("the partition of day Y, which holds a kept trace").isTrue();
        for (String gone : List.of(onlyExpired, expiredBesideKept)) {
            given().get("/api/3.0/mlflow/traces/get?trace_id=" + gone).then().statusCode(404);
            for (String t : List.of("spans", "trace_tags", "trace_metadata")) {
                assertThat(Db.count(pool, "SELECT count(*) FROM " + t + " WHERE trace_id = $1", gone)).as(t).isZero();
            }
        }
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + keptTrace).then().statusCode(200);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", keptTrace)).isEqualTo(2);
        assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("tracebridge_retention_partitions_dropped_total");
    }

    /**
     * One batch with a late span of a trace stored before V9 (day 1970-01-01, which the partition
     * spans_legacy takes) and a new trace, on a day whose partition is missing: the write makes
     * today's partition, leaves the legacy day alone (it has a partition, under another name), and
     * stores both.
     */
    @Test
    void aBatchWithALegacyTraceAndANewOneOnADayWithoutAPartition() {
        String exp = RetentionTest.experiment("forever");
        if (legacyDayPartitions() == 0) {
            pool.query("CREATE TABLE spans_legacy PARTITION OF spans FOR VALUES FROM ('1970-01-01') TO ('1970-01-02')")
                    .execute().await().indefinitely();
        }
        clock.advance(Duration.ofDays(8000));
        LocalDate day = today();
        assertThat(exists(day)).isFalse();

        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span oldRoot = tracer.spanBuilder("stored before V9").startSpan();
        String oldId = "tr-" + oldRoot.getSpanContext().getTraceId();
        Db.count(pool, "WITH t AS (INSERT INTO traces (trace_id, experiment_id, request_time, state, span_part) "
                + "VALUES ($1, $2, $3, 'OK', DATE '1970-01-01') RETURNING 1) SELECT count(*) FROM t",
                oldId, Long.parseLong(exp), System.currentTimeMillis());
        tracer.spanBuilder("late").setParent(Context.root().with(oldRoot)).startSpan().end();
        Span fresh = tracer.spanBuilder("new").setNoParent().startSpan();
        fresh.end();
        assertThat(Otel.send(Otel.httpExporter(exp, null), rec.spans())).isTrue();

        assertThat(exists(day)).isTrue();
        assertThat(partitionOf(oldId)).isEqualTo(LocalDate.of(1970, 1, 1));
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1 AND span_part = DATE '1970-01-01'", oldId))
                .isEqualTo(1);
        String freshId = "tr-" + fresh.getSpanContext().getTraceId();
        assertThat(Db.rows(pool, "SELECT tableoid::regclass::text AS t FROM spans WHERE trace_id = $1", freshId))
                .singleElement().satisfies(r -> assertThat(r.getString("t")).isEqualTo(table(day)));
        assertThat(legacyDayPartitions()).as("partitions taking 1970-01-01").isEqualTo(1);
    }

    /**
     * A trace a writer holds during the run is skipped: its day's partition stays (without the
     * spans of the traces that did go), and the next run drops it.
     */
    @Test
    void aDayWithAHeldTraceStaysWithoutTheSpansOfTheTracesThatWentAndGoesNextRun() {
        String shortLived = RetentionTest.experiment("P1D");
        long requested = System.currentTimeMillis();
        clock.advance(Duration.ofDays(6000));
        LocalDate day = today();
        String expired = RetentionTest.send(shortLived, requested, null);
        String held = RetentionTest.send(shortLived, requested, null);
        clock.advance(Duration.ofDays(3));
        SqlConnection writer = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        try {
            writer.query("BEGIN").execute().await().atMost(Duration.ofSeconds(5));
            writer.preparedQuery("SELECT 1 FROM traces WHERE trace_id = $1 FOR UPDATE").execute(Tuple.of(held))
                    .await().atMost(Duration.ofSeconds(5));
            assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(60)).ran()).isTrue();
            assertThat(exists(day)).isTrue();
            assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", expired)).isZero();
            assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", expired)).as("orphans").isZero();
            assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", held)).isEqualTo(2);
        } finally {
            writer.query("ROLLBACK").execute().await().atMost(Duration.ofSeconds(5));
            writer.closeAndAwait();
        }
        assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(60)).ran()).isTrue();
        assertThat(exists(day)).isFalse();
        given().get("/api/3.0/mlflow/traces/get?trace_id=" + held).then().statusCode(404);
    }

    /**
     * A detach that was interrupted leaves its partition "pending" (and PostgreSQL then refuses
     * any other concurrent detach on spans); the next run finishes it and drops the table.
     */
    @Test
    void anInterruptedDetachIsFinishedByTheNextRun() {
        clock.advance(Duration.ofDays(7000));
        LocalDate day = today();
        assertThat(sweeper.sweep().await().atMost(Duration.ofSeconds(30)).ran()).isTrue();
        assertThat(exists(day)).isTrue();
        SqlConnection reader = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        SqlConnection detacher = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        try {
            reader.query("BEGIN").execute().await().atMost(Duration.ofSeconds(5));
            reader.query("SELECT count(*) FROM " + table(day)).execute().await().atMost(Duration.ofSeconds(5));
            int pid = detacher.query("SELECT pg_backend_pid() AS pid").execute().await().atMost(Duration.ofSeconds(5))
                    .iterator().next().getInteger("pid");
            var detach = detacher.query("ALTER TABLE spans DETACH PARTITION " + table(day) + " CONCURRENTLY").execute()
                    .subscribeAsCompletionStage();
            // Wait until it waits on the reader (its first transaction committed the pending state), then cancel it.
            long until = System.currentTimeMillis() + 10_000;
            while (Db.count(pool, "SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhdetachpending",
                    table(day)) == 0 && System.currentTimeMillis() < until) {
                Thread.onSpinWait();
            }
            Db.count(pool, "SELECT count(*) FROM (SELECT pg_cancel_backend($1)) c", pid);
            assertThat(detach).failsWithin(Duration.ofSeconds(10));
        } finally {
            reader.query("ROLLBACK").execute().await().atMost(Duration.ofSeconds(5));
            reader.closeAndAwait();
            detacher.closeAndAwait();
        }
        assertThat(Db.count(pool, "SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhdetachpending",
                table(day))).as("pending detach").isEqualTo(1);

        clock.advance(Duration.ofDays(3));
        RetentionSweeper.Run run = sweeper.sweep().await().atMost(Duration.ofSeconds(60));
        assertThat(run.partitions().dropped()).isGreaterThanOrEqualTo(1);
        assertThat(Db.count(pool, "SELECT count(*) FROM pg_class WHERE relname = $1", table(day))).isZero();
    }

    private long legacyDayPartitions() {
        return Db.count(pool, "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = 'spans'::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE '%''1970-01-01''%'");
    }

    private LocalDate today() {
        return SpanPartitionStore.dayOf(clock.millis());
    }

    private static String table(LocalDate day) {
        return "spans_p" + DateTimeFormatter.BASIC_ISO_DATE.format(day);
    }

    private boolean exists(LocalDate day) {
        return Db.count(pool, "SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = 'spans'::regclass",
                table(day)) == 1;
    }

    private LocalDate partitionOf(String traceId) {
        return Db.rows(pool, "SELECT span_part FROM traces WHERE trace_id = $1", traceId).get(0).getLocalDate("span_part");
    }
}

package io.tracebridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.subscription.Cancellable;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.ops.SearchMetrics;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * However a search statement ends (an answer, an error, its time limit, its caller leaving while
 * it runs, waits for a connection or waits for the budget), it gives its reservation back to the
 * budget exactly once: a leak would starve searches for good, a double release throws. Real
 * statements ({@code pg_sleep}) on the real search pool (2 connections in tests).
 */
@QuarkusTest
class SearchStatementsBudgetTest {
    private static final String SLEEP = "SELECT pg_sleep($1)";

    @Inject
    @ReactiveDataSource("search")
    Pool searchPool;

    @Inject
    Pool primary;

    @Inject
    SearchMetrics metrics;

    private SearchStatements statements(SearchBudget budget) {
        return statements(budget, Duration.ofSeconds(2));
    }

    private SearchStatements statements(SearchBudget budget, Duration timeout) {
        return new SearchStatements(searchPool, timeout, budget, metrics);
    }

    /** Share 1, a burst of three 2 s reservations: more room than the pool's two connections. */
    private static SearchBudget roomy() {
        return new SearchBudget(1, Duration.ofSeconds(6), Duration.ofSeconds(2), System::nanoTime);
    }

    @Test
    @Timeout(60)
    void everyWayAStatementEndsGivesItsReservationBackOnce() throws Exception {
        SearchBudget budget = roomy();
        SearchStatements st = statements(budget);

        st.execute(SLEEP, Tuple.of(0.05)).await().indefinitely();
        assertThat(budget.running()).as("answered").isZero();

        Throwable failed = outcome(st, "SELECT 1 / $1", 0);
        assertThat(failed).as("a statement that fails").isNotNull();
        awaitRunning(budget, 0, "failed");

        Throwable limit = outcome(st, SLEEP, 5);
        assertThat(limit).isInstanceOf(MlflowException.class);
        assertThat(((MlflowException) limit).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        awaitRunning(budget, 0, "ran into its time limit");

        // The caller leaves while the statement runs.
        Cancellable running = st.execute(SLEEP, Tuple.of(5)).subscribe().with(r -> { }, t -> { });
        awaitRunning(budget, 1, "started");
        Thread.sleep(200);
        running.cancel();
        awaitRunning(budget, 0, "cancelled while running");

        // Two run (both connections), a third is let in by a fresh budget with room for three,
        // waits for a connection, and leaves while waiting.
        SearchBudget three = roomy();
        SearchStatements pool = statements(three);
        Cancellable a = pool.execute(SLEEP, Tuple.of(1.5)).subscribe().with(r -> { }, t -> { });
        Cancellable b = pool.execute(SLEEP, Tuple.of(1.5)).subscribe().with(r -> { }, t -> { });
        awaitSleeping(2);
        Cancellable waitingForConnection = pool.execute(SLEEP, Tuple.of(0)).subscribe().with(r -> { }, t -> { });
        awaitRunning(three, 3, "the third let in");
        Thread.sleep(100);
        waitingForConnection.cancel();
        awaitRunning(three, 0, "the two ended, the third left before it had a connection");
        a.cancel();
        b.cancel();

        // Room for one reservation: a second statement waits in the budget, and leaves there.
        SearchBudget tight = new SearchBudget(1, Duration.ofSeconds(2), Duration.ofSeconds(2), System::nanoTime);
        SearchStatements few = statements(tight);
        Cancellable holder = few.execute(SLEEP, Tuple.of(1.5)).subscribe().with(x -> { }, t -> { });
        awaitRunning(tight, 1, "the holder started");
        Cancellable queued = few.execute(SLEEP, Tuple.of(0)).subscribe().with(x -> { }, t -> { });
        Thread.sleep(100);
        queued.cancel();
        assertThat(tight.running()).as("the queued one took nothing").isEqualTo(1);
        awaitRunning(tight, 0, "the holder ended");
        holder.cancel();
    }

    @Test
    @Timeout(60)
    void aStatementThatNeverStartsAnswers503NotTheTimeLimitsAdvice() throws Exception {
        // One reservation's room. The first statement may run 10 s and sleeps 4; the second, with
        // a 2 s limit, waits for it and has half of its limit gone before it could start.
        SearchBudget budget = new SearchBudget(0.1, Duration.ofSeconds(2), Duration.ofSeconds(2), System::nanoTime);
        SearchStatements st = statements(budget);
        SearchStatements patient = statements(budget, Duration.ofSeconds(10));
        CompletableFuture<Throwable> first = CompletableFuture.supplyAsync(() -> outcome(patient, SLEEP, 4));
        awaitRunning(budget, 1, "first started");
        MlflowException busy = unavailable(outcome(st, SLEEP, 0));
        assertThat(busy.getMessage()).contains("busy").contains("could not start");
        assertThat(busy.retryAfterSeconds()).as("the usual wait").isZero();
        assertThat(first.get()).as("the first ran to its end").isNull();
        awaitRunning(budget, 0, "both ended");

        // Now the bucket is in debt (4 s charged against 2, refilled at 0.1 s per second): the
        // refill (about 20 s) cannot leave half of a 2 s limit, so the next is refused without
        // waiting, the refill time as Retry-After.
        MlflowException over = unavailable(outcome(st, SLEEP, 0));
        assertThat(over.getMessage()).contains("TRACEBRIDGE_SEARCH_DB_SHARE=0.1");
        assertThat(over.retryAfterSeconds()).isBetween(18L, 21L);
        assertThat(budget.running()).isZero();
    }

    @Test
    @Timeout(60)
    void withTheBudgetOffAStatementThatWaitedForAConnectionPastHalfItsLimitAnswersBusy() throws Exception {
        SearchBudget off = new SearchBudget(0, Duration.ofSeconds(4), Duration.ofSeconds(2), System::nanoTime);
        SearchStatements st = statements(off);
        Cancellable a = st.execute(SLEEP, Tuple.of(1.5)).subscribe().with(r -> { }, t -> { });
        Cancellable b = st.execute(SLEEP, Tuple.of(1.5)).subscribe().with(r -> { }, t -> { });
        awaitSleeping(2);
        // Both connections busy for 1.5 s: the third gets one with about 0.5 s of its 2 s left.
        assertThat(unavailable(outcome(st, SLEEP, 0)).getMessage()).contains("could not start with half of its 2 s");
        a.cancel();
        b.cancel();
    }

    @Test
    @Timeout(60)
    void aPatientStatementWaitsForTheRefillInsteadOfBeingRefused() throws Exception {
        SearchBudget budget = new SearchBudget(1, Duration.ofSeconds(2), Duration.ofSeconds(2), System::nanoTime);
        SearchStatements st = statements(budget);
        statements(budget, Duration.ofSeconds(10)).execute(SLEEP, Tuple.of(3.5)).await().atMost(Duration.ofSeconds(10));
        // About 1.5 s in debt at 1 s per second: a search with a 2 s limit is refused...
        unavailable(outcome(st, SLEEP, 0));
        // ...and a page of an export waits for the refill, then runs.
        long start = System.nanoTime();
        st.executePatiently(SLEEP, Tuple.of(0)).await().atMost(Duration.ofSeconds(10));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).as("waited for the refill").isBetween(500L, 5_000L);
        assertThat(budget.running()).isZero();
        // A patient caller that goes away takes nothing with it.
        statements(budget, Duration.ofSeconds(10)).execute(SLEEP, Tuple.of(3.5)).await().atMost(Duration.ofSeconds(10));
        java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
        Cancellable waiting = st.executePatiently(SLEEP, Tuple.of(0)).subscribe()
                .with(r -> answered.set(true), t -> answered.set(true));
        Thread.sleep(300);
        waiting.cancel();
        Thread.sleep(4_000); // past the refill it was waiting for
        assertThat(answered).as("a cancelled wait answers nothing").isFalse();
        assertThat(budget.running()).isZero();
    }

    @Test
    @Timeout(120)
    void manyStatementsEndingAndLeavingAtRandomLeaveNoReservationBehind() throws Exception {
        SearchBudget budget = roomy();
        SearchStatements st = statements(budget);
        Random r = new Random(20261204);
        List<Cancellable> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            calls.add(st.execute(SLEEP, Tuple.of(r.nextInt(200) / 1000.0)).subscribe().with(x -> { }, t -> { }));
            if (r.nextBoolean()) {
                Thread.sleep(r.nextInt(30));
                calls.get(r.nextInt(calls.size())).cancel();
            }
        }
        // Queued ones hold nothing and are not counted: past every call's 2 s limit all are over.
        Thread.sleep(2_500);
        awaitRunning(budget, 0, "all ended or left");
        // And the budget still lets statements in.
        st.execute(SLEEP, Tuple.of(0)).await().atMost(Duration.ofSeconds(5));
        assertThat(budget.running()).isZero();
    }

    /** A statement whose cancel request was lost still ends, in PostgreSQL, on the search pool only. */
    @Test
    void searchConnectionsCarryABackstopStatementTimeout() {
        assertThat(show(searchPool)).isEqualTo("1min");
        assertThat(show(primary)).as("ingest's connections have none").isEqualTo("0");
    }

    private static String show(Pool pool) {
        return pool.query("SHOW statement_timeout").execute().await().indefinitely().iterator().next().getString(0);
    }

    /** The failure, asserted to be a retryable 503 (TEMPORARILY_UNAVAILABLE). */
    private static MlflowException unavailable(Throwable failure) {
        assertThat(failure).isInstanceOf(MlflowException.class);
        MlflowException e = (MlflowException) failure;
        assertThat(e.code()).isEqualTo(ErrorCode.TEMPORARILY_UNAVAILABLE);
        return e;
    }

    private static Throwable outcome(SearchStatements st, String sql, Object param) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            st.execute(sql, Tuple.of(param)).await().atMost(Duration.ofSeconds(10));
        } catch (Throwable t) {
            failure.set(t);
        }
        return failure.get();
    }

    /** Statements of the search pool sleeping in PostgreSQL, as PostgreSQL sees them. */
    private void awaitSleeping(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        long sleeping;
        while ((sleeping = primary.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tracebridge-search'"
                + " AND state = 'active' AND wait_event = 'PgSleep'").execute().await().indefinitely().iterator().next().getLong(0)) < n
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(sleeping).as("statements sleeping in PostgreSQL").isGreaterThanOrEqualTo(n);
    }

    private static void awaitRunning(SearchBudget budget, int n, String when) throws InterruptedException {
        BooleanSupplier done = () -> budget.running() == n;
        long deadline = System.currentTimeMillis() + 8_000;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(budget.running()).as("statements holding a reservation after: %s", when).isEqualTo(n);
    }
}

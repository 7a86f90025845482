package io.tracebridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The database-time budget of searches, on a clock the test moves. */
class SearchBudgetTest {
    private static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(42 * S);

    private SearchBudget budget(double share) {
        // The service's shape: a burst of two statements running to a 5 s limit.
        return new SearchBudget(share, Duration.ofSeconds(10), Duration.ofSeconds(5), now::get);
    }

    @Test
    void aFullBucketLetsAWholePoolOfLongStatementsInAndThenOneAtATimeAsItRefills() {
        SearchBudget b = budget(0.5);
        assertThat(b.tryStart()).isZero();
        assertThat(b.tryStart()).isZero();
        // Both reservations out and the bucket still full: a third waits for one to end.
        assertThat(b.tryStart()).isEqualTo(SearchBudget.WAIT_FOR_RUNNING);
        now.addAndGet(5 * S);
        b.finished(5 * S);
        b.finished(5 * S);
        // 10 s charged against a full 10 s bucket (it cannot refill while full).
        assertThat(b.available()).isCloseTo(0, within(1e-9));
        assertThat(b.tryStart()).as("empty: wait for the refill").isPositive().isNotEqualTo(SearchBudget.WAIT_FOR_RUNNING);
        now.addAndGet(S);
        // 0.5 s refilled: one more may start; the next waits for it, as it may cost up to 5 s.
        assertThat(b.tryStart()).isZero();
        assertThat(b.tryStart()).isEqualTo(SearchBudget.WAIT_FOR_RUNNING);
        b.finished(5 * S);
        // 4.5 s in debt at 0.5 s per second: the next one waits 9 s, and starts then.
        assertThat(b.available()).isCloseTo(-4.5, within(1e-9));
        assertThat(b.tryStart()).isEqualTo(9 * S);
        now.addAndGet(9 * S);
        assertThat(b.tryStart()).isPositive(); // the bucket holds exactly nothing: not yet
        now.addAndGet(S / 1000);
        assertThat(b.tryStart()).isZero();
    }

    @Test
    void shortStatementsStartAsSoonAsOneAheadOfThemEnds() {
        SearchBudget b = budget(0.25);
        // Six dashboard statements of 200 ms at once: two start, four wait, none is refused.
        int started = 0;
        int waiting = 6;
        while (waiting > 0) {
            while (waiting > 0 && b.tryStart() == 0) {
                started++;
                waiting--;
            }
            if (waiting > 0) {
                assertThat(b.tryStart()).isEqualTo(SearchBudget.WAIT_FOR_RUNNING);
            }
            now.addAndGet(200_000_000L);
            b.finished(200_000_000L);
        }
        // The loop's last round left one running: it ends too.
        b.finished(200_000_000L);
        assertThat(started).isEqualTo(6);
        assertThat(b.running()).isZero();
        assertThat(b.available()).isGreaterThan(8);
    }

    @Test
    void aCheapStatementCostsWhatItRanNotItsReservation() {
        SearchBudget b = budget(0.01);
        for (int i = 0; i < 1_000; i++) {
            assertThat(b.tryStart()).as("statement %d", i).isZero();
            now.addAndGet(5_000_000L);
            b.finished(5_000_000L);
        }
        // 1,000 statements of 5 ms: 5 s of statement time, 0.05 s refilled.
        assertThat(b.available()).isCloseTo(10 - 5 + 0.05, within(1e-3));
    }

    @Test
    void overTimeStatementsGetTheShareAndNoMore() {
        SearchBudget b = budget(0.25);
        double ran = 0;
        long start = now.get();
        // One client that starts a 3 s statement whenever it may, for an hour.
        while (now.get() - start < 3_600 * S) {
            long wait = b.tryStart();
            if (wait > 0) {
                now.addAndGet(wait);
                continue;
            }
            now.addAndGet(3 * S);
            b.finished(3 * S);
            ran += 3;
        }
        // The share (900 s) plus at most the burst and one statement.
        assertThat(ran).isBetween(900.0, 900.0 + 10 + 3);
    }

    @Test
    void aStatementThatNeverRanIsRefunded() {
        SearchBudget b = budget(0.5);
        assertThat(b.tryStart()).isZero();
        b.finished(0);
        assertThat(b.available()).isCloseTo(10, within(1e-9));
    }

    @Test
    void shareZeroIsNoLimitAndANegativeShareIsRefused() {
        SearchBudget off = budget(0);
        assertThat(off.limited()).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(off.tryStart()).isZero();
        }
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, 1e-9, SearchBudget.MIN_SHARE / 2, 1e6}) {
            assertThatThrownBy(() -> budget(bad)).as("share %s", bad).hasMessageContaining("TRACEBRIDGE_SEARCH_DB_SHARE");
        }
    }

    @Test
    void aDeepDebtAnswersAnHourAtMostAndADoubleFinishIsABug() {
        SearchBudget b = budget(SearchBudget.MIN_SHARE);
        assertThat(b.tryStart()).isZero();
        b.finished(1_000_000 * S); // a million seconds: over 30 years to refill at this share
        assertThat(b.tryStart()).isEqualTo(3_600 * S);
        assertThat(b.running()).isZero();
        assertThatThrownBy(() -> b.finished(0)).isInstanceOf(IllegalStateException.class);
    }
}

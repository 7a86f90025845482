package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

class InFlightLimiterTest {

    @Test
    void refusesBeyondTheBoundAndFreesOnRelease() {
        InFlightLimiter limiter = new InFlightLimiter(2);
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
        limiter.release();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(2);
    }

    @Test
    void neverExceedsTheBoundUnderContention() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(3);
        AtomicInteger max = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            pool.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (limiter.tryAcquire()) {
                        max.accumulateAndGet(limiter.inFlight(), Math::max);
                        limiter.release();
                    }
                }
                done.countDown();
            });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(max.get()).isBetween(1, 3);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void drainRefusesNewWorkAndWaitsForWorkInFlight() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(4);
        assertThat(limiter.tryAcquire()).isTrue();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        var drained = pool.submit(() -> limiter.drain(java.time.Duration.ofSeconds(10)));
        while (!limiter.draining()) {
            Thread.onSpinWait();
        }
        assertThat(limiter.tryAcquire()).as("no new work while draining").isFalse();
        Thread.sleep(50);
        assertThat(drained.isDone()).as("drain waits for the request in flight").isFalse();
        limiter.release();
        assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
    }

    @Test
    void drainGivesUpAfterTheTimeout() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(4);
        assertThat(limiter.tryAcquire()).isTrue();
        long t0 = System.nanoTime();
        assertThat(limiter.drain(java.time.Duration.ofMillis(100))).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(100_000_000L);
        assertThat(limiter.inFlight()).isEqualTo(1);
    }
}

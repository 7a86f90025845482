package io.tracebridge.ops;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * The service's one wall clock, injected wherever a time is stored or compared (assessment and
 * experiment times, pending-feedback windows, the experiment cache). Durations are measured
 * with {@code System.nanoTime()} instead, which no clock change can disturb. Tests replace this
 * clock with one they can move forward ({@code support.AdjustableClock}), instead of rewriting
 * stored times with SQL.
 */
@Singleton
public class Clocks {
    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}

package io.tracebridge.support;

import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The service's clock under {@code @QuarkusTest}: the system clock, which a test may move
 * forward ({@link #advance}) to see what the service does later (pending feedback expiring, a
 * retention passing), instead of rewriting stored times with SQL. It replaces the production
 * clock of {@code ops.Clocks} (a default bean) because it is a bean of type {@link Clock} in the
 * test application. A test that advances it calls {@link #reset} afterwards.
 */
@Singleton
public class AdjustableClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.offset(Clock.system(zone), offset);
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offset.toMillis();
    }
}

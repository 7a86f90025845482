package io.tracebridge.feedback;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.StartupEvent;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.PendingFeedbackStore;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Periodically attaches pending feedback whose trace has arrived (covering the race where the
 * trace and the feedback commit at the same moment), expires feedback past its window, and
 * deletes attached and expired records once they are older than the retention.
 * Safe with several replicas: rows being attached elsewhere are skipped, not attached twice.
 */
@ApplicationScoped
public class PendingFeedbackSweeper {
    private static final Logger LOG = Logger.getLogger(PendingFeedbackSweeper.class);

    private final PendingFeedbackStore store;
    private final TracebridgeConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private long timerId = -1;

    public PendingFeedbackSweeper(PendingFeedbackStore store, TracebridgeConfig config, Vertx vertx, Clock clock) {
        this.store = store;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(config.feedback().sweepInterval().toMillis(), id -> sweepNow());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** One sweep; failures (e.g. database down) are logged and retried at the next tick. */
    public void sweepNow() {
        sweep().subscribe().with(
                counts -> {
                    if (counts[0] > 0 || counts[1] > 0 || counts[2] > 0) {
                        LOG.infof("Pending feedback: %d attached, %d expired, %d purged", counts[0], counts[1], counts[2]);
                    }
                },
                failure -> LOG.warnf("Pending feedback sweep failed: %s", failure.toString()));
    }

    /** One sweep at the clock's time: counts of records attached, expired and purged. */
    public Uni<int[]> sweep() {
        long now = clock.millis();
        return store.sweep(now, now - config.feedback().pendingRetention().toMillis());
    }
}

package io.tracebridge.ingest;

import java.time.Clock;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.ExperimentChanged;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.ExperimentStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the experiment an OTLP request goes to: the {@code x-mlflow-experiment-id} header, or the
 * configured default. Active experiments are cached for {@link #CACHE_MILLIS}, since every OTLP
 * request needs one and they change rarely; unknown and deleted IDs are not cached.
 * <p>
 * A delete, restore or rename committed in this replica evicts the experiment at once
 * ({@link ExperimentChanged}), and a lookup that was under way meanwhile does not put its
 * (possibly stale) answer into the cache. Other replicas do not hear of it: they keep accepting
 * traces for a deleted experiment for at most {@link #CACHE_MILLIS} after the delete, until
 * their entry expires. Requests that resolved the experiment before the delete may still commit
 * after it.
 */
@ApplicationScoped
public class ExperimentResolver {
    static final long CACHE_MILLIS = 5_000;

    private record Cached(Experiment experiment, long expiresAt) {
    }

    private final ExperimentStore experiments;
    private final TracebridgeConfig config;
    private final ConcurrentHashMap<Long, Cached> cache = new ConcurrentHashMap<>();
    /** Counts evictions: a lookup started before one does not fill the cache. */
    private final AtomicLong evictions = new AtomicLong();

    private final Clock clock;

    public ExperimentResolver(ExperimentStore experiments, TracebridgeConfig config, Clock clock) {
        this.experiments = experiments;
        this.config = config;
        this.clock = clock;
    }

    public Uni<Experiment> resolve(String header) {
        String raw = header == null || header.isBlank() ? config.ingest().defaultExperimentId() : header.trim();
        long id;
        try {
            id = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return Uni.createFrom().failure(new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "Invalid x-mlflow-experiment-id '" + abbreviate(raw) + "': experiment IDs are integers"));
        }
        long now = clock.millis();
        Cached hit = cache.get(id);
        if (hit != null && hit.expiresAt() > now) {
            return Uni.createFrom().item(hit.experiment());
        }
        long generation = evictions.get();
        // Bounded like the batch's write: a frozen backend must answer UNAVAILABLE, not hang.
        java.time.Duration timeout = config.db().writeTimeout();
        return experiments.get(id).ifNoItem().after(timeout)
                .failWith(() -> new io.tracebridge.store.StoreTimeoutException("Looking up the experiment", timeout))
                .map(found -> {
            Experiment e = found.orElseThrow(() -> new OtlpException(OtlpException.Kind.NOT_FOUND,
                    "Experiment with ID '" + id + "' does not exist; create it first or omit the "
                            + "x-mlflow-experiment-id header to use the default experiment"));
            if (!e.isActive()) {
                throw new OtlpException(OtlpException.Kind.NOT_FOUND,
                        "Experiment with ID '" + id + "' is deleted; traces cannot be added to it");
            }
            if (evictions.get() == generation) {
                cache.put(id, new Cached(e, now + CACHE_MILLIS));
                if (evictions.get() != generation) {
                    cache.remove(id);
                }
            }
            return e;
        });
    }

    /** Forgets a cached experiment, e.g. after it was deleted. */
    public void evict(String experimentId) {
        try {
            evict(Long.parseLong(experimentId));
        } catch (NumberFormatException ignored) {
            // not a cached ID
        }
    }

    void evict(long experimentId) {
        evictions.incrementAndGet();
        cache.remove(experimentId);
    }

    /** A delete, restore or rename committed in this replica. */
    void onChange(@Observes ExperimentChanged change) {
        evict(change.experimentId());
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}

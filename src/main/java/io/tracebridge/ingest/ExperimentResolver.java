package io.tracebridge.ingest;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Experiment;
import io.tracebridge.ops.TracebridgeConfig;
import io.tracebridge.store.ExperimentStore;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the experiment an OTLP request goes to: the {@code x-mlflow-experiment-id} header, or the
 * configured default. Active experiments are cached for a few seconds, since every OTLP request
 * needs one and they change rarely; unknown IDs are not cached.
 */
@ApplicationScoped
public class ExperimentResolver {
    static final long CACHE_MILLIS = 5_000;

    private record Cached(Experiment experiment, long expiresAt) {
    }

    private final ExperimentStore experiments;
    private final TracebridgeConfig config;
    private final ConcurrentHashMap<Long, Cached> cache = new ConcurrentHashMap<>();

    public ExperimentResolver(ExperimentStore experiments, TracebridgeConfig config) {
        this.experiments = experiments;
        this.config = config;
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
        long now = System.currentTimeMillis();
        Cached hit = cache.get(id);
        if (hit != null && hit.expiresAt() > now) {
            return Uni.createFrom().item(hit.experiment());
        }
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
            cache.put(id, new Cached(e, now + CACHE_MILLIS));
            return e;
        });
    }

    /** Forgets a cached experiment, e.g. after it was deleted. */
    public void evict(String experimentId) {
        try {
            cache.remove(Long.parseLong(experimentId));
        } catch (NumberFormatException ignored) {
            // not a cached ID
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}

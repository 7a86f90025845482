package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.TraceInfo;

import java.util.List;

/**
 * Changes to stored traces through the MLflow API. Each method is one transaction; a missing
 * trace is RESOURCE_DOES_NOT_EXIST.
 */
public interface TraceUpdates {

    /** Sets a tag; it wins over values taken from spans. */
    Uni<Void> setTag(String traceId, String key, String value);

    /** Removes a tag; RESOURCE_DOES_NOT_EXIST when the trace has no such tag. */
    Uni<Void> deleteTag(String traceId, String key);

    /** Deletes these traces of the experiment with everything attached; returns how many existed. */
    Uni<Integer> deleteTraces(long experimentId, List<String> traceIds);

    /** Deletes the oldest traces with request time ≤ {@code maxTimestampMs}, at most {@code maxTraces} (null: all). */
    Uni<Integer> deleteOlderThan(long experimentId, long maxTimestampMs, Integer maxTraces);

    /**
     * StartTraceV3 (docs/mlflow-compatibility.md §3.5): creates or overwrites the trace's info with the SDK's
     * authoritative values and marks it finalized, so later OTLP batches only add spans.
     */
    Uni<Void> startTrace(Experiment experiment, TraceInfo info);
}

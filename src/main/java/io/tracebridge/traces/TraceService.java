package io.tracebridge.traces;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.security.ApiToken;
import io.tracebridge.store.ExperimentStore;
import io.tracebridge.store.TraceStore;
import io.tracebridge.store.TraceUpdates;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * Trace use cases of MLflow's REST API with MLflow's rules (docs/mlflow-compatibility.md §3.5,
 * §4.2): a trace is read only by a caller that may read its experiment, written by StartTraceV3
 * only into an active experiment, deleted by IDs or by age, and GetTrace waits for a trace whose
 * root span has not arrived yet. The REST resources parse and render; the rules are here.
 */
@ApplicationScoped
public class TraceService {
    /** MLflow's GetTrace waits for a trace whose root span has not arrived: 3 attempts, 1 s then 2 s. */
    static final List<Duration> INCOMPLETE_RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2));

    private final TraceStore traces;
    private final TraceUpdates updates;
    private final ExperimentStore experiments;

    public TraceService(TraceStore traces, TraceUpdates updates, ExperimentStore experiments) {
        this.traces = traces;
        this.updates = updates;
        this.experiments = experiments;
    }

    /** The trace, if it exists and the caller may read it. */
    public Uni<TraceStore.StoredTrace> find(ApiToken caller, String traceId) {
        return traces.getTraces(List.of(traceId)).map(list -> checked(caller, traceId, list));
    }

    private static TraceStore.StoredTrace checked(ApiToken caller, String traceId, List<TraceStore.StoredTrace> list) {
        if (list.isEmpty()) {
            throw MlflowException.notFound("Trace with ID '" + traceId + "' not found.");
        }
        if (!caller.mayAccess(Long.parseLong(list.get(0).info().experimentId()))) {
            throw caller.denied("trace " + traceId);
        }
        return list.get(0);
    }

    /**
     * The trace once its root span has arrived, asking again after {@link #INCOMPLETE_RETRY_DELAYS}
     * as MLflow's client does; with {@code partialOk}, as it is now.
     */
    public Uni<TraceStore.StoredTrace> findComplete(ApiToken caller, String traceId, boolean partialOk) {
        return findComplete(caller, traceId, partialOk, 0);
    }

    private Uni<TraceStore.StoredTrace> findComplete(ApiToken caller, String traceId, boolean partialOk, int attempt) {
        return find(caller, traceId).chain(stored -> {
            if (stored.complete() || partialOk) {
                return Uni.createFrom().item(stored);
            }
            if (attempt >= INCOMPLETE_RETRY_DELAYS.size()) {
                return Uni.createFrom().failure(MlflowException.notFound("Trace with ID '" + traceId
                        + "' is not fully exported yet; its root span has not arrived. "
                        + "Pass allow_partial=true to read the spans stored so far."));
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(INCOMPLETE_RETRY_DELAYS.get(attempt))
                    .chain(() -> findComplete(caller, traceId, partialOk, attempt + 1));
        });
    }

    /**
     * StartTraceV3: the SDK's authoritative trace info, into an existing, active experiment
     * (MLflow's {@code _check_experiment_is_active}: 400 INVALID_PARAMETER_VALUE otherwise).
     * Answers the stored trace. The caller's access to an existing trace of that ID is checked
     * before (the resource, with {@code security.Access#trace}).
     */
    public Uni<TraceStore.StoredTrace> start(ApiToken caller, long experimentId, TraceInfo info) {
        caller.requireExperiment(experimentId);
        return experiments.get(experimentId)
                .chain(found -> {
                    var experiment = found.orElseThrow(() -> MlflowException.notFound(
                            "No Experiment with id=" + experimentId + " exists"));
                    if (!experiment.isActive()) {
                        throw MlflowException.invalid("The experiment " + experimentId
                                + " must be in the 'active' state. Current state is " + experiment.lifecycleStage() + ".");
                    }
                    return updates.startTrace(experiment, info);
                })
                // The answer shows what was just written: read it where it was written.
                .chain(() -> traces.getTracesFromPrimary(List.of(info.traceId())))
                .map(list -> checked(caller, info.traceId(), list));
    }

    /** DeleteTraces: exactly one of the IDs and the age limit; returns how many traces were deleted. */
    public Uni<Integer> delete(ApiToken caller, DeleteTraces d) {
        caller.requireExperiment(d.experimentId());
        boolean byIds = d.traceIds() != null && !d.traceIds().isEmpty();
        if (byIds == (d.maxTimestampMillis() != null)) {
            throw MlflowException.invalid("Exactly one of 'max_timestamp_millis' and 'request_ids' must be specified.");
        }
        if (byIds) {
            return updates.deleteTraces(d.experimentId(), d.traceIds());
        }
        if (d.maxTraces() != null && d.maxTraces() < 1) {
            throw MlflowException.invalid("'max_traces' must be a positive integer.");
        }
        return updates.deleteOlderThan(d.experimentId(), d.maxTimestampMillis(), d.maxTraces());
    }
}

package io.tracebridge.store;

import io.tracebridge.search.ExperimentQuery;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Experiment;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Experiment storage. Creation and renaming fail with RESOURCE_ALREADY_EXISTS when the name is
 * taken, by an active or a deleted experiment (names stay reserved while deleted, as in MLflow).
 * The lifecycle operations follow MLflow's SQL store: see each method.
 */
public interface ExperimentStore {

    /** A page of experiments; {@code nextOffset} is null on the last page. */
    record Page(List<Experiment> experiments, Integer nextOffset) {
    }

    Uni<Experiment> create(String name, String artifactLocation, Map<String, String> tags);

    Uni<Optional<Experiment>> get(long experimentId);

    /** The active experiment of that name if there is one, else a deleted one. */
    Uni<Optional<Experiment>> getByName(String name);

    Uni<Page> search(ExperimentQuery query);

    /** Marks an active experiment deleted; RESOURCE_DOES_NOT_EXIST when it is absent or already deleted. */
    Uni<Void> delete(long experimentId);

    /** Makes a deleted experiment active again; RESOURCE_DOES_NOT_EXIST when it is absent or active. */
    Uni<Void> restore(long experimentId);

    /** Renames an active experiment; INVALID_STATE when it is deleted. */
    Uni<Void> rename(long experimentId, String newName);

    /** Sets (inserts or replaces) a tag of an active experiment; INVALID_PARAMETER_VALUE when it is deleted. */
    Uni<Void> setTag(long experimentId, String key, String value);

    /** Deletes a tag of an active experiment; RESOURCE_DOES_NOT_EXIST when the tag is absent. */
    Uni<Void> deleteTag(long experimentId, String key);
}

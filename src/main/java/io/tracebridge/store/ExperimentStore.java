package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Experiment;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Experiment storage. Creation fails with RESOURCE_ALREADY_EXISTS when the name is taken. */
public interface ExperimentStore {

    /** A page of experiments; {@code nextOffset} is null on the last page. */
    record Page(List<Experiment> experiments, Integer nextOffset) {
    }

    Uni<Experiment> create(String name, String artifactLocation, Map<String, String> tags);

    Uni<Optional<Experiment>> get(long experimentId);

    /** The active experiment of that name if there is one, else a deleted one. */
    Uni<Optional<Experiment>> getByName(String name);

    Uni<Page> search(ExperimentQuery query);
}

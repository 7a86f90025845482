package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.Assessment;

import java.util.function.UnaryOperator;

/**
 * Assessment storage (docs/mlflow-compatibility.md §1.6). Every method fails with RESOURCE_DOES_NOT_EXIST when the
 * trace does not exist. Each call is one transaction.
 */
public interface AssessmentStore {

    /**
     * Stores a new assessment. When it {@code overrides} another, that one must exist on the same
     * trace (else RESOURCE_DOES_NOT_EXIST) and becomes {@code valid = false}.
     */
    Uni<Assessment> create(Assessment assessment);

    Uni<Assessment> get(String traceId, String assessmentId);

    /** Applies {@code change} to the stored assessment under a row lock and stores the result. */
    Uni<Assessment> update(String traceId, String assessmentId, UnaryOperator<Assessment> change);

    /**
     * Deletes an assessment; a missing assessment is a no-op. Deleting one that overrides another
     * makes the overridden one valid again.
     */
    Uni<Void> delete(String traceId, String assessmentId);
}

package io.tracebridge.search;

import java.util.List;

/**
 * A validated experiment search (docs/mlflow-compatibility.md §4.1), free of any query
 * language: conditions that must all hold, the order (ending with MLflow's tie-breakers), the
 * lifecycle stages to include, and offset paging. The experiment store compiles it.
 */
public record ExperimentQuery(
        List<Condition> conditions,
        List<Order> orderBy,
        List<String> lifecycleStages,
        int offset,
        int maxResults) {

    /** The experiment fields a filter or an order may name. */
    public enum Field { NAME, CREATION_TIME, LAST_UPDATE_TIME, EXPERIMENT_ID }

    /** One condition of a filter. */
    public sealed interface Condition permits FieldIs, TagIs {
    }

    /**
     * A field compared with a value: for {@link Field#NAME} a string and one of =, !=, LIKE,
     * ILIKE; for the others a {@code Long} and a numeric comparator (only = and != for the ID).
     */
    public record FieldIs(Field field, Comparator comparator, Object value) implements Condition {
    }

    /** The experiment has a tag {@code key} whose value compares so (=, !=, LIKE, ILIKE). */
    public record TagIs(String key, Comparator comparator, String value) implements Condition {
    }

    public record Order(Field field, boolean ascending) {
    }
}

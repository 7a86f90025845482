package io.tracebridge.search;

import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.ExperimentQuery.Field;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Validates an experiment search (docs/mlflow-compatibility.md §4.1) into an
 * {@link ExperimentQuery}. Keys: {@code name}, {@code creation_time}, {@code last_update_time},
 * {@code experiment_id} and {@code tags.<key>}; the experiment store writes the query language.
 */
public final class ExperimentSearch {
    public static final int DEFAULT_MAX_RESULTS = 1000;
    public static final int MAX_RESULTS = 50_000;

    private ExperimentSearch() {
    }

    public static ExperimentQuery compile(String filter, List<String> orderBy, String viewType,
                                          Integer maxResults, String pageToken) {
        int max = PageSize.of(maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS);
        List<ExperimentQuery.Condition> conditions = new ArrayList<>();
        for (Clause c : FilterParser.parse(filter)) {
            conditions.add(condition(c));
        }
        return new ExperimentQuery(conditions, orderBy(orderBy), stages(viewType), OffsetPageToken.decode(pageToken), max);
    }

    private static ExperimentQuery.Condition condition(Clause c) {
        String prefix = c.prefix() == null ? "attribute" : c.prefix().toLowerCase(Locale.ROOT);
        switch (prefix) {
            case "attribute", "attributes" -> {
                return attribute(c);
            }
            case "tag", "tags" -> {
                String value = stringValue(c);
                return new ExperimentQuery.TagIs(c.key(), stringComparator(c), value);
            }
            default -> throw MlflowException.invalid("Invalid entity type '" + c.prefix()
                    + "'. Valid values are ['attribute', 'tag']");
        }
    }

    private static ExperimentQuery.Condition attribute(Clause c) {
        switch (c.key()) {
            case "name" -> {
                String value = stringValue(c);
                return new ExperimentQuery.FieldIs(Field.NAME, stringComparator(c), value);
            }
            case "creation_time", "last_update_time" -> {
                if (!c.comparator().isNumeric() || !(c.value() instanceof BigDecimal n)) {
                    throw MlflowException.invalid("Invalid comparison for '" + c.identifier()
                            + "': expected a numeric comparator (=, !=, <, <=, >, >=) and a number");
                }
                Field field = c.key().equals("creation_time") ? Field.CREATION_TIME : Field.LAST_UPDATE_TIME;
                return new ExperimentQuery.FieldIs(field, c.comparator(), n.longValue());
            }
            case "experiment_id" -> {
                if (c.comparator() != Comparator.EQ && c.comparator() != Comparator.NE) {
                    throw MlflowException.invalid("Invalid comparator '" + c.op()
                            + "' for experiment_id; use = or !=");
                }
                try {
                    return new ExperimentQuery.FieldIs(Field.EXPERIMENT_ID, c.comparator(),
                            Long.parseLong(String.valueOf(c.value())));
                } catch (NumberFormatException e) {
                    throw MlflowException.invalid("Invalid experiment ID: '" + c.value() + "'");
                }
            }
            default -> throw MlflowException.invalid("Invalid attribute key '" + c.key()
                    + "' specified. Valid keys are '['name', 'creation_time', 'last_update_time', 'experiment_id']'");
        }
    }

    private static String stringValue(Clause c) {
        if (!(c.value() instanceof String s) || !c.quoted()) {
            throw MlflowException.invalid("Expected a quoted string value for '" + c.identifier()
                    + "' (e.g. 'my-value'). Got value " + c.value());
        }
        return s;
    }

    private static Comparator stringComparator(Clause c) {
        return switch (c.comparator()) {
            case EQ, NE, LIKE, ILIKE -> c.comparator();
            default -> throw MlflowException.invalid("Invalid comparator '" + c.op()
                    + "' not one of '['=', '!=', 'LIKE', 'ILIKE']' for '" + c.identifier() + "'");
        };
    }

    private static List<ExperimentQuery.Order> orderBy(List<String> orderBy) {
        List<ExperimentQuery.Order> out = new ArrayList<>();
        List<Field> seen = new ArrayList<>();
        for (String clause : orderBy == null ? List.<String>of() : orderBy) {
            String[] parts = clause.trim().split("\\s+");
            if (parts.length == 0 || parts.length > 2 || parts[0].isEmpty()) {
                throw MlflowException.invalid("Invalid order_by clause '" + clause + "'.");
            }
            String key = parts[0].replaceFirst("^(attribute|attributes)\\.", "");
            Field field = switch (key) {
                case "name" -> Field.NAME;
                case "creation_time" -> Field.CREATION_TIME;
                case "last_update_time" -> Field.LAST_UPDATE_TIME;
                case "experiment_id" -> Field.EXPERIMENT_ID;
                default -> throw MlflowException.invalid("Invalid order_by key '" + parts[0]
                        + "'. Valid keys are name, creation_time, last_update_time, experiment_id.");
            };
            String dir = parts.length == 2 ? parts[1].toUpperCase(Locale.ROOT) : "ASC";
            if (!dir.equals("ASC") && !dir.equals("DESC")) {
                throw MlflowException.invalid("Invalid ordering key in order_by clause '" + clause + "'.");
            }
            if (seen.contains(field)) {
                throw MlflowException.invalid("`order_by` contains duplicate fields: " + orderBy);
            }
            seen.add(field);
            out.add(new ExperimentQuery.Order(field, dir.equals("ASC")));
        }
        // MLflow's tie-breakers: newest first, then by ID.
        if (!seen.contains(Field.CREATION_TIME)) {
            out.add(new ExperimentQuery.Order(Field.CREATION_TIME, false));
        }
        if (!seen.contains(Field.EXPERIMENT_ID)) {
            out.add(new ExperimentQuery.Order(Field.EXPERIMENT_ID, true));
        }
        return out;
    }

    private static List<String> stages(String viewType) {
        String v = viewType == null || viewType.isBlank() ? "ACTIVE_ONLY" : viewType.trim().toUpperCase(Locale.ROOT);
        return switch (v) {
            case "ACTIVE_ONLY", "1" -> List.of(Experiment.ACTIVE);
            case "DELETED_ONLY", "2" -> List.of(Experiment.DELETED);
            case "ALL", "3" -> List.of(Experiment.ACTIVE, Experiment.DELETED);
            default -> throw MlflowException.invalid("Invalid view_type '" + viewType
                    + "'. Valid values are ACTIVE_ONLY, DELETED_ONLY, ALL");
        };
    }
}

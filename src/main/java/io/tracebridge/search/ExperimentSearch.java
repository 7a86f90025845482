package io.tracebridge.search;

import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates an experiment search (docs/mlflow-compatibility.md §4.1) and compiles it to HQL conditions with named
 * parameters. Keys: {@code name}, {@code creation_time}, {@code last_update_time},
 * {@code experiment_id} and {@code tags.<key>}. Values are always parameters.
 */
public final class ExperimentSearch {
    public static final int DEFAULT_MAX_RESULTS = 1000;
    public static final int MAX_RESULTS = 50_000;

    private ExperimentSearch() {
    }

    public static ExperimentQuery compile(String filter, List<String> orderBy, String viewType,
                                          Integer maxResults, String pageToken) {
        int max = PageSize.of(maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS);
        List<String> conditions = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        int i = 0;
        for (Clause c : FilterParser.parse(filter)) {
            conditions.add(condition(c, "p" + i++, params));
        }
        return new ExperimentQuery(conditions, params, orderBy(orderBy), stages(viewType),
                OffsetPageToken.decode(pageToken), max);
    }

    private static String condition(Clause c, String p, Map<String, Object> params) {
        String prefix = c.prefix() == null ? "attribute" : c.prefix().toLowerCase(Locale.ROOT);
        switch (prefix) {
            case "attribute", "attributes" -> {
                return attribute(c, p, params);
            }
            case "tag", "tags" -> {
                String value = stringValue(c);
                String cmp = stringComparison("t.value", c, p);
                params.put(p + "k", c.key());
                params.put(p, value);
                return "exists (select 1 from ExperimentTagEntity t where t.experimentId = e.id and t.key = :"
                        + p + "k and " + cmp + ")";
            }
            default -> throw MlflowException.invalid("Invalid entity type '" + c.prefix()
                    + "'. Valid values are ['attribute', 'tag']");
        }
    }

    private static String attribute(Clause c, String p, Map<String, Object> params) {
        switch (c.key()) {
            case "name" -> {
                params.put(p, stringValue(c));
                return stringComparison("e.name", c, p);
            }
            case "creation_time", "last_update_time" -> {
                if (!c.comparator().isNumeric() || !(c.value() instanceof BigDecimal n)) {
                    throw MlflowException.invalid("Invalid comparison for '" + c.identifier()
                            + "': expected a numeric comparator (=, !=, <, <=, >, >=) and a number");
                }
                params.put(p, n.longValue());
                String field = c.key().equals("creation_time") ? "e.creationTime" : "e.lastUpdateTime";
                return field + " " + c.comparator().relationalOperator() + " :" + p;
            }
            case "experiment_id" -> {
                if (c.comparator() != Comparator.EQ && c.comparator() != Comparator.NE) {
                    throw MlflowException.invalid("Invalid comparator '" + c.op()
                            + "' for experiment_id; use = or !=");
                }
                try {
                    params.put(p, Long.parseLong(String.valueOf(c.value())));
                } catch (NumberFormatException e) {
                    throw MlflowException.invalid("Invalid experiment ID: '" + c.value() + "'");
                }
                return "e.id " + c.comparator().relationalOperator() + " :" + p;
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

    private static String stringComparison(String field, Clause c, String p) {
        return switch (c.comparator()) {
            case EQ -> field + " = :" + p;
            case NE -> field + " <> :" + p;
            case LIKE -> field + " like :" + p;
            case ILIKE -> "lower(" + field + ") like lower(:" + p + ")";
            default -> throw MlflowException.invalid("Invalid comparator '" + c.op()
                    + "' not one of '['=', '!=', 'LIKE', 'ILIKE']' for '" + c.identifier() + "'");
        };
    }

    private static List<String> orderBy(List<String> orderBy) {
        List<String> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String clause : orderBy == null ? List.<String>of() : orderBy) {
            String[] parts = clause.trim().split("\\s+");
            if (parts.length == 0 || parts.length > 2 || parts[0].isEmpty()) {
                throw MlflowException.invalid("Invalid order_by clause '" + clause + "'.");
            }
            String key = parts[0].replaceFirst("^(attribute|attributes)\\.", "");
            String field = switch (key) {
                case "name" -> "e.name";
                case "creation_time" -> "e.creationTime";
                case "last_update_time" -> "e.lastUpdateTime";
                case "experiment_id" -> "e.id";
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
            out.add(field + " " + dir);
        }
        if (!seen.contains("e.creationTime")) {
            out.add("e.creationTime DESC");
        }
        if (!seen.contains("e.id")) {
            out.add("e.id ASC");
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

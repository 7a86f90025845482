package io.tracebridge.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.search.Comparator;
import io.tracebridge.search.Condition;
import io.tracebridge.search.SortKey;
import io.tracebridge.search.TraceQuery;

import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a {@link TraceQuery} into one PostgreSQL statement on {@code traces t} (schema:
 * docs/schema.md): experiment scope, the filter's conditions, the total order, the keyset
 * continuation and a LIMIT of one row more than the page (to know whether another page
 * exists). Every value is a bind parameter; tag, metadata and attribute keys are parameters too,
 * never SQL text. Each condition is written so that an index applies (noted where it is not
 * obvious); {@code SearchIndexTest} checks the plans.
 */
public final class PgTraceQuery {
    /**
     * A trace's spans, in its own partition: the trace row's span_part prunes every other one
     * at run time (migration V9).
     */
    private static final String SPANS_OF_TRACE =
            "EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.span_part = t.span_part AND ";

    private static final int INDEXED_PREFIX_CHARS = Schema.INDEXED_PREFIX_CHARS;

    /** Span attribute values as text: the string itself, or the JSON text of other types. */
    private static final String SPAN_ATTRIBUTE_VALUE = "COALESCE(a->'value'->>'string_value', a->'value'->>'int_value', "
            + "a->'value'->>'double_value', a->'value'->>'bool_value', (a->'value')::text)";

    private final SqlParams params = new SqlParams();

    private PgTraceQuery() {
    }

    public static SqlQuery compile(TraceQuery q) {
        PgTraceQuery c = new PgTraceQuery();
        SqlParams params = c.params;
        List<String> where = new ArrayList<>();
        List<Long> experimentIds = q.experimentIds();
        // One experiment (the common case) as plain equality, so the (experiment, time) index also gives the order.
        // Traces of deleted experiments are left out until the experiment is restored. Both forms are
        // uncorrelated subqueries, evaluated once per statement, so the plan of the traces scan is unchanged.
        if (experimentIds.size() == 1) {
            String id = params.add(experimentIds.get(0), "bigint");
            where.add("t.experiment_id = " + id);
            where.add("EXISTS (SELECT 1 FROM experiments e WHERE e.experiment_id = " + id
                    + " AND e.lifecycle_stage = 'active')");
        } else {
            where.add("t.experiment_id = ANY(ARRAY(SELECT e.experiment_id FROM experiments e WHERE e.experiment_id = ANY("
                    + params.add(experimentIds.toArray(Long[]::new), "bigint[]") + ") AND e.lifecycle_stage = 'active'))");
        }
        for (Condition condition : q.filter()) {
            where.add(c.condition(condition));
        }
        List<String> order = new ArrayList<>();
        for (SortKey k : q.order()) {
            order.add(c.sortExpression(k));
        }
        if (q.after() != null) {
            where.add(c.keyset(q.order(), order, q.after()));
        }
        StringBuilder sql = new StringBuilder("SELECT t.trace_id");
        for (String expression : order) {
            sql.append(", ").append(expression);
        }
        sql.append(" FROM traces t WHERE ").append(String.join(" AND ", where)).append(" ORDER BY ");
        for (int i = 0; i < order.size(); i++) {
            SortKey k = q.order().get(i);
            sql.append(i == 0 ? "" : ", ").append(order.get(i)).append(k.descending() ? " DESC" : " ASC")
                    .append(k.nullable() ? " NULLS LAST" : "");
        }
        sql.append(" LIMIT ").append(params.add(q.pageSize() + 1, "int"));
        return new SqlQuery(sql.toString(), params.values(), order.size());
    }

    // ---- order ---------------------------------------------------------------------------------

    private String sortExpression(SortKey k) {
        return switch (k.field()) {
            case REQUEST_TIME -> "t.request_time";
            case EXECUTION_TIME -> "(t.end_time - t.request_time)";
            case END_TIME -> "COALESCE(t.end_time, t.request_time)";
            case STATE -> "t.state";
            case TRACE_ID -> "t.trace_id";
            case CLIENT_REQUEST_ID -> "t.client_request_id";
            case EXPERIMENT_ID -> "t.experiment_id";
            case SESSION -> "t.session_id";
            case USER -> "t.user_id";
            case TAG -> "(SELECT g.value FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = "
                    + params.text(k.key()) + ")";
            case METADATA -> "(SELECT m.value FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                    + params.text(k.key()) + ")";
        };
    }

    /**
     * Rows strictly after the last row in the (mixed-direction, NULLS LAST) order:
     * {@code OR_i (k_1 = v_1 AND … AND k_(i-1) = v_(i-1) AND k_i after v_i)}.
     */
    private String keyset(List<SortKey> order, List<String> expressions, List<Object> after) {
        List<String> alternatives = new ArrayList<>();
        List<String> equalSoFar = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            SortKey k = order.get(i);
            String sql = expressions.get(i);
            Object v = after.get(i);
            String type = k.numeric() ? "bigint" : "text";
            if (v != null) {
                String p = params.add(v, type);
                List<String> parts = new ArrayList<>(equalSoFar);
                parts.add(k.nullable()
                        ? "(" + sql + (k.descending() ? " < " : " > ") + p + " OR " + sql + " IS NULL)"
                        : sql + (k.descending() ? " < " : " > ") + p);
                alternatives.add("(" + String.join(" AND ", parts) + ")");
                equalSoFar.add(sql + " = " + params.add(v, type));
            } else {
                // Nothing sorts after NULL in this column; continue among the NULLs.
                equalSoFar.add(sql + " IS NULL");
            }
        }
        return alternatives.isEmpty() ? "FALSE" : "(" + String.join(" OR ", alternatives) + ")";
    }

    // ---- filter --------------------------------------------------------------------------------

    private String condition(Condition condition) {
        if (condition instanceof Condition.TraceText t) {
            return stringCondition(t.op(), t.value(), column(t.field()));
        } else if (condition instanceof Condition.TraceIn t) {
            return listCondition(t.negated(), t.values(), column(t.field()));
        } else if (condition instanceof Condition.TraceNumber t) {
            return time(t.field()) + " " + Sql.relationalOperator(t.op()) + " " + number(t.value());
        } else if (condition instanceof Condition.Tag t) {
            return tag(t);
        } else if (condition instanceof Condition.TagIn t) {
            return "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = "
                    + params.text(t.key()) + " AND " + listCondition(t.negated(), t.values(), "g.value") + ")";
        } else if (condition instanceof Condition.Metadata m) {
            return metadata(m);
        } else if (condition instanceof Condition.MetadataIn m) {
            return "EXISTS (SELECT 1 FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                    + params.text(m.key()) + " AND " + listCondition(m.negated(), m.values(), "m.value") + ")";
        } else if (condition instanceof Condition.AnySpanContent a) {
            return SPANS_OF_TRACE
                    + stringCondition(a.op(), a.pattern(), "s.content") + ")";
        } else if (condition instanceof Condition.OneSpan s) {
            return oneSpan(s);
        } else if (condition instanceof Condition.Assessment a) {
            return assessment(a);
        } else if (condition instanceof Condition.Prompt p) {
            return prompt(p);
        } else if (condition instanceof Condition.Nothing) {
            return "FALSE";
        }
        throw new IllegalStateException("No SQL for condition " + condition);
    }

    private static String column(Condition.TraceField field) {
        return switch (field) {
            case TRACE_ID -> "t.trace_id";
            case CLIENT_REQUEST_ID -> "t.client_request_id";
            case STATE -> "t.state";
        };
    }

    private static String time(Condition.TraceTime field) {
        return switch (field) {
            case REQUEST_TIME -> "t.request_time";
            case EXECUTION_TIME -> "(t.end_time - t.request_time)";
            case END_TIME -> "COALESCE(t.end_time, t.request_time)";
        };
    }

    private String listCondition(boolean negated, List<String> values, String column) {
        String p = params.add(values.toArray(String[]::new), "text[]");
        return negated ? column + " <> ALL(" + p + ")" : column + " = ANY(" + p + ")";
    }

    private String stringCondition(Comparator op, String value, String column) {
        String v = params.text(value);
        return switch (op) {
            case EQ -> column + " = " + v;
            case NE -> column + " <> " + v;
            case LIKE -> column + " LIKE " + v;
            case ILIKE -> column + " ILIKE " + v;
            case RLIKE -> column + " ~ " + v;
            default -> throw new IllegalStateException(op.name());
        };
    }


    private String number(Number n) {
        return n instanceof Long l ? params.add(l, "bigint") : params.add(n.doubleValue(), "float8");
    }

    /**
     * Tag filter. For the reserved keys {@code mlflow.trace.user} and {@code mlflow.trace.session},
     * a tag filter also matches the trace's user or session column (docs/mlflow-compatibility.md §8.1).
     */
    private String tag(Condition.Tag c) {
        String k = params.text(c.key());
        String exists = "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = " + k;
        ContextColumn column = ContextColumn.of(c.key());
        switch (c.op()) {
            case IS_NULL:
                return "NOT " + exists + ")" + (column == null ? "" : " AND t." + column.name + " IS NULL");
            case IS_NOT_NULL:
                return column == null ? exists + ")" : "(" + exists + ") OR t." + column.name + " IS NOT NULL)";
            default:
                if (column == null) {
                    return exists + " AND " + indexedStringCondition(c.op(), c.value(), "g.value") + ")";
                }
                // Tag or metadata column: a union of two index lookups, since an OR of a
                // subquery and a column condition would make PostgreSQL scan every trace.
                return "t.trace_id IN (SELECT g.trace_id FROM trace_tags g WHERE g.key = " + k + " AND "
                        + indexedStringCondition(c.op(), c.value(), "g.value")
                        + " UNION ALL SELECT t2.trace_id FROM traces t2 WHERE "
                        + stringCondition(c.op(), c.value(), "t2." + column.name) + ")";
        }
    }

    private String metadata(Condition.Metadata c) {
        ContextColumn column = ContextColumn.of(c.key());
        if (column != null) {
            return switch (c.op()) {
                case IS_NULL -> "t." + column.name + " IS NULL";
                case IS_NOT_NULL -> "t." + column.name + " IS NOT NULL";
                default -> stringCondition(c.op(), c.value(), "t." + column.name);
            };
        }
        String exists = "EXISTS (SELECT 1 FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = "
                + params.text(c.key());
        return switch (c.op()) {
            case IS_NULL -> "NOT " + exists + ")";
            case IS_NOT_NULL -> exists + ")";
            default -> exists + " AND " + indexedStringCondition(c.op(), c.value(), "m.value") + ")";
        };
    }

    /** Session and user live in indexed columns of {@code traces}. */
    private enum ContextColumn {
        SESSION("session_id"), USER("user_id");

        final String name;

        ContextColumn(String name) {
            this.name = name;
        }

        static ContextColumn of(String key) {
            if (TraceMetadataKeys.TRACE_SESSION.equals(key)) {
                return SESSION;
            }
            if (TraceMetadataKeys.TRACE_USER.equals(key)) {
                return USER;
            }
            return null;
        }
    }

    /** Equality also compares the indexed prefix, so the (key, left(value, 256)) index applies. */
    private String indexedStringCondition(Comparator op, String value, String column) {
        if (op == Comparator.EQ) {
            return prefixEquals(column, value);
        }
        return stringCondition(op, value, column);
    }

    /**
     * {@code column = value} written so the {@code left(column, 256)} indexes apply. For a value
     * shorter than the prefix the prefix comparison alone is exact; repeating the full
     * comparison would make the planner square the selectivity and pick bad plans.
     */
    private String prefixEquals(String column, String value) {
        String v = params.text(value);
        String prefix = "left(" + column + ", " + INDEXED_PREFIX_CHARS + ") = " + v;
        return value.length() < INDEXED_PREFIX_CHARS ? prefix : prefix + " AND " + column + " = " + v;
    }

    private String oneSpan(Condition.OneSpan s) {
        List<String> parts = new ArrayList<>();
        for (Condition.SpanCondition c : s.all()) {
            if (c instanceof Condition.SpanText t) {
                parts.add(stringCondition(t.op(), t.value(), spanColumn(t.field())));
            } else if (c instanceof Condition.SpanIn t) {
                parts.add(listCondition(t.negated(), t.values(), spanColumn(t.field())));
            } else if (c instanceof Condition.SpanContent t) {
                parts.add(stringCondition(t.op(), t.pattern(), "s.content"));
            } else if (c instanceof Condition.SpanAttribute a) {
                parts.add(spanAttribute(a));
            } else {
                throw new IllegalStateException("No SQL for span condition " + c);
            }
        }
        return SPANS_OF_TRACE + String.join(" AND ", parts) + ")";
    }

    private static String spanColumn(Condition.SpanField field) {
        return switch (field) {
            case NAME -> "s.name";
            case TYPE -> "s.span_type";
            case STATUS -> "s.status";
        };
    }

    /**
     * Some attribute of the span named {@code name} whose value (the string itself, or the JSON
     * text of other types) matches. {@code =} also matches the JSON-encoded string the MLflow SDK
     * stores, so {@code span.attributes.model = 'gpt-4o'} finds {@code "\"gpt-4o\""}.
     */
    private String spanAttribute(Condition.SpanAttribute c) {
        String cond;
        if (c.values() != null) {
            cond = listCondition(c.op() == Comparator.NOT_IN, c.values(), SPAN_ATTRIBUTE_VALUE);
        } else if (c.op() == Comparator.EQ || c.op() == Comparator.NE) {
            String v = params.text(c.value());
            String json = params.text(jsonString(c.value()));
            cond = (c.op() == Comparator.EQ ? "" : "NOT ") + "(" + SPAN_ATTRIBUTE_VALUE + " = " + v + " OR "
                    + SPAN_ATTRIBUTE_VALUE + " = " + json + ")";
        } else {
            cond = stringCondition(c.op(), c.value(), SPAN_ATTRIBUTE_VALUE);
        }
        return "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.content::jsonb -> 'attributes') "
                + "= 'array' THEN s.content::jsonb -> 'attributes' ELSE '[]'::jsonb END) a WHERE a->>'key' = "
                + params.text(c.name()) + " AND " + cond + ")";
    }

    /**
     * Valid assessments of that kind and name (docs/mlflow-compatibility.md §8.8). {@code =} matches the JSON value
     * ({@code true}, {@code 5}, {@code "x"}) or the string value; comparisons need a number.
     */
    private String assessment(Condition.Assessment c) {
        String exists = "EXISTS (SELECT 1 FROM assessments a WHERE a.trace_id = t.trace_id AND a.valid AND a.kind = "
                + params.text(c.kind()) + " AND a.name = " + params.text(c.name());
        return switch (c.op()) {
            case IS_NULL -> "NOT " + exists + ")";
            case IS_NOT_NULL -> exists + ")";
            case EQ, NE -> {
                String match = "(" + prefixEquals("a.value_text", c.text()) + " OR a.value_json = " + params.text(c.text()) + ")";
                yield exists + " AND " + (c.op() == Comparator.EQ ? match : "NOT " + match) + ")";
            }
            case LIKE, ILIKE, RLIKE -> exists + " AND " + stringCondition(c.op(), c.text(), "a.value_text") + ")";
            case LT, LE, GT, GE -> exists + " AND a.value_number " + Sql.relationalOperator(c.op()) + " " + number(c.number()) + ")";
            default -> throw new IllegalStateException(c.op().name());
        };
    }

    /** Traces linked to that prompt version (tag {@code mlflow.linkedPrompts}, a JSON list of {name, version}). */
    private String prompt(Condition.Prompt p) {
        // Bound as text and cast: a Java String bound to a jsonb parameter would become a JSON string.
        ArrayNode asString = JsonNodeFactory.instance.arrayNode();
        asString.addObject().put("name", p.name()).put("version", p.version());
        String cond = "tb_try_jsonb(g.value) @> " + params.text(asString.toString()) + "::jsonb";
        if (p.version().matches("\\d{1,18}")) {
            ArrayNode asNumber = JsonNodeFactory.instance.arrayNode();
            asNumber.addObject().put("name", p.name()).put("version", Long.parseLong(p.version()));
            cond = "(" + cond + " OR tb_try_jsonb(g.value) @> " + params.text(asNumber.toString()) + "::jsonb)";
        }
        return "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.key = "
                + params.text("mlflow.linkedPrompts") + " AND " + cond + ")";
    }

    private static String jsonString(String s) {
        return JsonNodeFactory.instance.textNode(s).toString();
    }
}

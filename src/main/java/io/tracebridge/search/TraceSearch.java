package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Compiles a SearchTracesV3 request (docs/mlflow-compatibility.md §4.2, §5; decisions §8.1, §8.5) into one SQL
 * query: experiment scope, filter, total order, keyset continuation and LIMIT (one row more
 * than the page, to know whether another page exists).
 */
public final class TraceSearch {
    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS = 500;

    private final List<OrderKey> order;
    private final SqlQuery query;
    private final int maxResults;
    private final String fingerprint;

    private TraceSearch(List<OrderKey> order, SqlQuery query, int maxResults, String fingerprint) {
        this.order = order;
        this.query = query;
        this.maxResults = maxResults;
        this.fingerprint = fingerprint;
    }

    public static TraceSearch compile(List<Long> experimentIds, String filter, List<String> orderBy,
                                      Integer maxResults, String pageToken) {
        int max = PageSize.of(maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS);
        if (experimentIds.isEmpty()) {
            throw MlflowException.invalid("At least one experiment location must be specified in 'locations'.");
        }
        SqlParams params = new SqlParams();
        List<String> where = new ArrayList<>();
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
        where.addAll(TraceFilterCompiler.compile(filter, params));
        List<OrderKey> order = TraceOrder.parse(orderBy, params);
        String fingerprint = fingerprint(experimentIds, filter, order);
        List<Object> after = KeysetToken.decode(pageToken, fingerprint, order);
        if (after != null) {
            where.add(keyset(order, after, params));
        }
        StringBuilder sql = new StringBuilder("SELECT t.trace_id");
        for (OrderKey k : order) {
            sql.append(", ").append(k.sql());
        }
        sql.append(" FROM traces t WHERE ").append(String.join(" AND ", where)).append(" ORDER BY ");
        for (int i = 0; i < order.size(); i++) {
            OrderKey k = order.get(i);
            sql.append(i == 0 ? "" : ", ").append(k.sql()).append(k.descending() ? " DESC" : " ASC")
                    .append(k.nullable() ? " NULLS LAST" : "");
        }
        sql.append(" LIMIT ").append(params.add(max + 1, "int"));
        return new TraceSearch(order, new SqlQuery(sql.toString(), params.values(), order.size()), max, fingerprint);
    }

    public SqlQuery query() {
        return query;
    }

    public int maxResults() {
        return maxResults;
    }

    /** The token for the page after a page whose last row had these sort-key values. */
    public String nextPageToken(List<Object> lastRowKeys) {
        return KeysetToken.encode(lastRowKeys, fingerprint);
    }

    /**
     * Rows strictly after the last row in the (mixed-direction, NULLS LAST) order:
     * {@code OR_i (k_1 = v_1 AND … AND k_(i-1) = v_(i-1) AND k_i after v_i)}.
     */
    private static String keyset(List<OrderKey> order, List<Object> after, SqlParams params) {
        List<String> alternatives = new ArrayList<>();
        List<String> equalSoFar = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            OrderKey k = order.get(i);
            Object v = after.get(i);
            String type = k.numeric() ? "bigint" : "text";
            if (v != null) {
                String p = params.add(v, type);
                List<String> parts = new ArrayList<>(equalSoFar);
                parts.add(k.nullable()
                        ? "(" + k.sql() + (k.descending() ? " < " : " > ") + p + " OR " + k.sql() + " IS NULL)"
                        : k.sql() + (k.descending() ? " < " : " > ") + p);
                alternatives.add("(" + String.join(" AND ", parts) + ")");
                equalSoFar.add(k.sql() + " = " + params.add(v, type));
            } else {
                // Nothing sorts after NULL in this column; continue among the NULLs.
                equalSoFar.add(k.sql() + " IS NULL");
            }
        }
        return alternatives.isEmpty() ? "FALSE" : "(" + String.join(" OR ", alternatives) + ")";
    }

    private static String fingerprint(List<Long> experiments, String filter, List<OrderKey> order) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(experiments.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(String.valueOf(filter).getBytes(StandardCharsets.UTF_8));
            for (OrderKey k : order) {
                md.update((byte) 0);
                md.update((k.name() + (k.descending() ? " DESC" : " ASC")).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

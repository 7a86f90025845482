package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns a SearchTracesV3 request (docs/mlflow-compatibility.md §4.2, §5; decisions §8.1, §8.5) into
 * a {@link TraceQuery}: experiment scope, filter conditions, total order, the keyset position of
 * the page token and the page size, each validated with MLflow's messages. Nothing here knows how
 * traces are stored.
 */
public final class TraceSearch {
    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS = 500;

    private TraceSearch() {
    }

    public static TraceQuery compile(List<Long> experimentIds, String filter, List<String> orderBy,
                                     Integer maxResults, String pageToken) {
        int max = PageSize.of(maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS);
        if (experimentIds.isEmpty()) {
            throw MlflowException.invalid("At least one experiment location must be specified in 'locations'.");
        }
        List<Condition> conditions = TraceFilter.conditions(filter);
        List<SortKey> order = TraceOrder.parse(orderBy);
        String fingerprint = fingerprint(experimentIds, filter, order);
        List<Object> after = KeysetToken.decode(pageToken, fingerprint, order);
        return new TraceQuery(experimentIds, conditions, order, after, max, fingerprint);
    }

    private static String fingerprint(List<Long> experiments, String filter, List<SortKey> order) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(experiments.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(String.valueOf(filter).getBytes(StandardCharsets.UTF_8));
            for (SortKey k : order) {
                md.update((byte) 0);
                md.update((k.name() + (k.descending() ? " DESC" : " ASC")).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

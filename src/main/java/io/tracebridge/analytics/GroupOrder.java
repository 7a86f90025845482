package io.tracebridge.analytics;

import io.tracebridge.model.MlflowException;

import java.util.Locale;

/**
 * How the sessions and users lists are sorted ({@code order_by}): a column, then {@code ASC} or
 * {@code DESC} (the default), in the MLflow style ({@code "cost DESC"}). Ties go by ID in the
 * same direction; groups without a value (no finished trace for a latency, no priced tokens for
 * a cost) come last either way.
 *
 * @param column     what is compared
 * @param descending largest first
 */
public record GroupOrder(Column column, boolean descending) {
    /** The columns, by their names in {@code order_by}. */
    public enum Column {
        LAST_ACTIVITY("last_activity"),
        TRACES("traces"),
        ERROR_COUNT("error_count"),
        TOTAL_TOKENS("total_tokens"),
        COST("cost"),
        P95_LATENCY("p95_latency_ms");

        private final String apiName;

        Column(String apiName) {
            this.apiName = apiName;
        }

        public String apiName() {
            return apiName;
        }
    }

    /** Most recently active first: the order the lists had before they could be sorted. */
    public static final GroupOrder DEFAULT = new GroupOrder(Column.LAST_ACTIVITY, true);

    /** True for the default order, which pages by a keyset scan of the newest traces. */
    public boolean isDefault() {
        return equals(DEFAULT);
    }

    /** @param value {@code order_by}; null or blank for the default */
    public static GroupOrder parse(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        String[] words = value.strip().split("\\s+");
        if (words.length > 2) {
            throw invalid(value);
        }
        String name = words[0].toLowerCase(Locale.ROOT);
        if (name.equals("turns")) {
            name = "traces"; // the sessions list calls its traces turns
        }
        Column column = null;
        for (Column c : Column.values()) {
            if (c.apiName.equals(name)) {
                column = c;
            }
        }
        if (column == null) {
            throw invalid(value);
        }
        boolean descending = true;
        if (words.length == 2) {
            String dir = words[1].toUpperCase(Locale.ROOT);
            if (!dir.equals("ASC") && !dir.equals("DESC")) {
                throw invalid(value);
            }
            descending = dir.equals("DESC");
        }
        return new GroupOrder(column, descending);
    }

    @Override
    public String toString() {
        return column.apiName + (descending ? " DESC" : " ASC");
    }

    private static MlflowException invalid(String value) {
        String shown = value.length() > 100 ? value.substring(0, 100) + "…" : value;
        StringBuilder names = new StringBuilder();
        for (Column c : Column.values()) {
            names.append(names.length() == 0 ? "" : ", ").append(c.apiName);
        }
        return MlflowException.invalid("Invalid order_by '" + shown + "': expected one of " + names
                + ", optionally followed by ASC or DESC");
    }
}

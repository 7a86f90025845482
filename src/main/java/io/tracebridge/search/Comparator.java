package io.tracebridge.search;

/** Filter comparators (docs/mlflow-compatibility.md §5.1). */
public enum Comparator {
    EQ("="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
    LIKE("LIKE"), ILIKE("ILIKE"), RLIKE("RLIKE"), IN("IN"), NOT_IN("NOT IN"),
    IS_NULL("IS NULL"), IS_NOT_NULL("IS NOT NULL"),
    /**
     * A comparison operator MLflow's SQL tokenizer accepts but no key does ({@code ==},
     * {@code ~}, {@code NOT LIKE}, ...): rejected per key, with the key's list, as MLflow does.
     * {@link Clause#op()} has the operator as written.
     */
    OTHER("?");

    private final String text;

    Comparator(String text) {
        this.text = text;
    }

    /** The comparator as written in a filter string, e.g. {@code NOT IN}. */
    public String text() {
        return text;
    }

    public boolean isNumeric() {
        return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
    }
}

package io.tracebridge.mapping;

/**
 * A value offered for a trace-level field by one span under one attribute convention.
 * Ordering (contract §8.2): a root span beats any other span; then the convention's precedence
 * (lower wins); then the earlier offer (first writer wins).
 */
record Candidate(String value, boolean fromRoot, int precedence, int order) {

    boolean beats(Candidate other) {
        if (other == null) {
            return true;
        }
        if (fromRoot != other.fromRoot) {
            return fromRoot;
        }
        if (precedence != other.precedence) {
            return precedence < other.precedence;
        }
        return order < other.order;
    }

    /** Storage rank used to merge across batches: 2 from the root span, 1 from any other. */
    short rank() {
        return (short) (fromRoot ? Rank.ROOT_SPAN : Rank.OTHER_SPAN);
    }
}

package io.tracebridge.mapping;

/**
 * A value offered for a trace-level field by one span under one attribute convention.
 * Identifiers (session, user, client request ID): a root span beats any other span; then the
 * convention's precedence (lower wins); then the earlier offer (first writer wins). Previews:
 * the root span, else the span nearest the root ({@link Source}); then the precedence.
 */
record Candidate(String value, boolean fromRoot, int precedence, int order, String source) {

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

    boolean beatsAsPreview(Candidate other) {
        if (other == null) {
            return true;
        }
        if (fromRoot != other.fromRoot) {
            return fromRoot;
        }
        int bySource = Source.compare(source, other.source);
        if (bySource != 0) {
            return bySource < 0;
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

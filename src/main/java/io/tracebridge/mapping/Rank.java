package io.tracebridge.mapping;

/**
 * Who set a stored trace-level value, used to merge batches in the database: a higher rank
 * replaces a lower one; for equal ranks, metadata and context keep the first writer and tags
 * take the last.
 */
public final class Rank {
    public static final short NONE = 0;
    /** A resource attribute or a non-root span. */
    public static final short OTHER_SPAN = 1;
    /** The root span. */
    public static final short ROOT_SPAN = 2;
    /** An explicit API call (StartTraceV3, set-tag) or a server-owned value. */
    public static final short EXPLICIT = 3;

    private Rank() {
    }
}

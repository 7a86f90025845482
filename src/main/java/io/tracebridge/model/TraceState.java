package io.tracebridge.model;

/** MLflow's {@code TraceInfoV3.State}; stored in the database by name. */
public enum TraceState {
    STATE_UNSPECIFIED,
    OK,
    ERROR,
    IN_PROGRESS;

    /** Parses a stored or client-supplied name; unknown names give {@link #STATE_UNSPECIFIED}. */
    public static TraceState parse(String name) {
        if (name == null) {
            return STATE_UNSPECIFIED;
        }
        for (TraceState s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        return STATE_UNSPECIFIED;
    }
}

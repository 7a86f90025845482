package io.tracebridge.security;

import java.util.Locale;

/** What an API token may do; each scope includes the ones before it. */
public enum Scope {
    /** Read experiments, traces, assessments; search; metrics and the OpenAPI document. */
    READ,
    /** READ, plus ingest (OTLP), create experiments, log and change assessments, tags, feedback. */
    WRITE,
    /** WRITE, plus deleting traces. */
    ADMIN;

    public boolean includes(Scope other) {
        return ordinal() >= other.ordinal();
    }

    static Scope parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "read" -> READ;
            case "write", "ingest" -> WRITE;
            case "admin" -> ADMIN;
            default -> throw new IllegalArgumentException("unknown scope '" + s + "' (read, write, ingest or admin)");
        };
    }
}

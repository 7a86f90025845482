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

    /** The {@link Roles} this scope grants: its own and those of every scope it includes. */
    public java.util.Set<String> roles() {
        java.util.Set<String> roles = new java.util.LinkedHashSet<>();
        for (Scope s : values()) {
            if (includes(s)) {
                roles.add(s.role());
            }
        }
        return roles;
    }

    /** The role named like this scope ({@link Roles#READ}, {@link Roles#WRITE}, {@link Roles#ADMIN}). */
    public String role() {
        return switch (this) {
            case READ -> Roles.READ;
            case WRITE -> Roles.WRITE;
            case ADMIN -> Roles.ADMIN;
        };
    }

    /** The scope whose role this is, or null for another role. */
    public static Scope ofRole(String role) {
        for (Scope s : values()) {
            if (s.role().equals(role)) {
                return s;
            }
        }
        return null;
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

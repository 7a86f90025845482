package io.tracebridge.security;

/**
 * The security roles of Tracebridge's identities, one per token {@link Scope}. A token holds the
 * role of its scope and of every scope below it, so a resource method names the least scope it
 * needs: {@code @RolesAllowed(Roles.WRITE)} admits write and admin tokens.
 */
public final class Roles {
    /** Read experiments, traces, assessments, analytics; search; metrics and OpenAPI. */
    public static final String READ = "read";
    /** Ingest, create experiments, log and change assessments, tags and feedback. */
    public static final String WRITE = "write";
    /** Delete traces. */
    public static final String ADMIN = "admin";

    private Roles() {
    }
}

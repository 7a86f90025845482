package io.tracebridge.security;

import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;

import java.util.Set;

/**
 * An authenticated caller: the token's name (for logs, never the token), its scope, and the
 * experiments it may touch (empty: all).
 */
public record ApiToken(String name, Scope scope, Set<Long> experiments) {
    /** The caller when authentication is off: may do everything. */
    public static final ApiToken ANONYMOUS_ADMIN = new ApiToken("anonymous", Scope.ADMIN, Set.of());

    public boolean restricted() {
        return !experiments.isEmpty();
    }

    public boolean mayAccess(long experimentId) {
        return experiments.isEmpty() || experiments.contains(experimentId);
    }

    /** Throws PERMISSION_DENIED unless the token may touch this experiment. */
    public void requireExperiment(long experimentId) {
        if (!mayAccess(experimentId)) {
            throw denied("experiment " + experimentId);
        }
    }

    public void requireScope(Scope needed) {
        if (!scope.includes(needed)) {
            throw new MlflowException(ErrorCode.PERMISSION_DENIED, "Token '" + name + "' has scope "
                    + scope.name().toLowerCase(java.util.Locale.ROOT) + "; this request needs "
                    + needed.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Creating experiments cannot be limited to a set of them. */
    public void requireUnrestricted(String what) {
        if (restricted()) {
            throw new MlflowException(ErrorCode.PERMISSION_DENIED, "Token '" + name
                    + "' is limited to experiments " + experiments + " and cannot " + what);
        }
    }

    public MlflowException denied(String what) {
        return new MlflowException(ErrorCode.PERMISSION_DENIED, "Token '" + name + "' may not access " + what);
    }
}

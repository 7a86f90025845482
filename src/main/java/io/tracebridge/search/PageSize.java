package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

/** The {@code max_results} of a list or search request, checked the way MLflow words it. */
public final class PageSize {
    private PageSize() {
    }

    public static int of(Integer requested, int dflt, int max) {
        int n = requested == null ? dflt : requested;
        if (n < 1) {
            throw MlflowException.invalid("Invalid value " + n
                    + " for parameter 'max_results' supplied. It must be a positive integer");
        }
        if (n > max) {
            throw MlflowException.invalid("Invalid value " + n
                    + " for parameter 'max_results' supplied. It must be at most " + max);
        }
        return n;
    }
}

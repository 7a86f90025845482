package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

/** The {@code max_results} of a search request, checked the way MLflow words it. */
final class PageSize {
    private PageSize() {
    }

    static int of(Integer requested, int dflt, int max) {
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

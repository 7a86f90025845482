package io.tracebridge.analytics;

import java.util.List;

/** A page of results and the token of the next page (null on the last page). */
public record Page<T>(List<T> items, String nextPageToken) {
}

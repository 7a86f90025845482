package io.tracebridge.analytics;

import java.util.List;

/**
 * A page of sessions or users and the position after its last entry (null on the last page).
 * The caller turns the position into a page token ({@link GroupCursor#encode}), so the store
 * never issues tokens.
 */
public record Page<T>(List<T> items, GroupCursor next) {
}

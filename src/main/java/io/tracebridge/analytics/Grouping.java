package io.tracebridge.analytics;

/**
 * What the sessions and users lists group traces by. The column names are constants of this
 * enum, never request input.
 */
enum Grouping {
    SESSION("session_id", "user_id"),
    USER("user_id", "session_id");

    final String column;
    final String other;

    Grouping(String column, String other) {
        this.column = column;
        this.other = other;
    }
}

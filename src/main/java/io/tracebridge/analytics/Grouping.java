package io.tracebridge.analytics;

/** What the sessions and users lists group traces by; the other one is listed per group. */
public enum Grouping {
    SESSION,
    USER
}

package io.tracebridge.analytics;

/** A point of the feedback timeline: one feedback name's summary in one time bucket. */
public record TimelinePoint(long bucketStartMs, FeedbackSummary summary) {
}

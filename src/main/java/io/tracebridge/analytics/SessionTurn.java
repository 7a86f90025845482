package io.tracebridge.analytics;

import java.util.List;

/** One trace of a session, with its valid feedback. */
public record SessionTurn(String traceId, long requestTimeMs, Long endTimeMs, String state, String userId,
                          String clientRequestId, String requestPreview, String responsePreview,
                          List<Feedback> feedback) {
    /** Most turns a session answer lists; the store reads one more so that truncation is reported. */
    public static final int MAX_TURNS = 1000;

    /** A feedback assessment on the turn; {@code valueJson} is the value as JSON text. */
    public record Feedback(String assessmentId, String name, String valueJson, String rationale, String sourceType,
                           String sourceId, long createTimeMs) {
    }
}

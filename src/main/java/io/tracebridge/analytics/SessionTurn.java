package io.tracebridge.analytics;

import java.util.List;

/** One trace of a session, with its valid feedback. */
public record SessionTurn(String traceId, long requestTimeMs, Long endTimeMs, String state, String userId,
                          String clientRequestId, String requestPreview, String responsePreview,
                          List<Feedback> feedback) {

    /** A feedback assessment on the turn; {@code valueJson} is the value as JSON text. */
    public record Feedback(String assessmentId, String name, String valueJson, String rationale, String sourceType,
                           String sourceId, long createTimeMs) {
    }
}

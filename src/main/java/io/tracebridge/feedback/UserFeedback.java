package io.tracebridge.feedback;

import java.util.Map;

/**
 * A validated user rating for a client request ID (Tracebridge's feedback endpoint, the user
 * guide's flow): the value as JSON text; name, source type and source ID already defaulted.
 */
public record UserFeedback(String name, String valueJson, String rationale, String sourceType, String sourceId,
                           Map<String, String> metadata) {
}

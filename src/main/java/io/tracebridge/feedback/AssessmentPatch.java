package io.tracebridge.feedback;

import java.util.Map;

/**
 * A validated UpdateAssessment: the fields the update mask names, null where it names none.
 * At most one of {@code feedback} and {@code expectation} is set; metadata is merged into the
 * stored one; {@code rationale} is applied only when {@code setRationale}.
 */
public record AssessmentPatch(String name, AssessmentValue feedback, AssessmentValue expectation,
                              Map<String, String> metadata, boolean setRationale, String rationale) {
}

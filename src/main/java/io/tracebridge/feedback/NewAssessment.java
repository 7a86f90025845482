package io.tracebridge.feedback;

import io.tracebridge.model.Assessment;

import java.util.Map;

/**
 * A validated request to create an assessment (MLflow's CreateAssessment), before the server
 * gives it an ID: the API parses the JSON into this, {@link AssessmentService} stores it.
 *
 * @param createTimeMs     the client's create time, or null for the server's clock
 * @param lastUpdateTimeMs the client's last-update time, or null for the create time
 */
public record NewAssessment(String name, Assessment.Kind kind, AssessmentValue value, String rationale,
                            String sourceType, String sourceId, String spanId, Map<String, String> metadata,
                            String overrides, boolean valid, Long createTimeMs, Long lastUpdateTimeMs) {
}

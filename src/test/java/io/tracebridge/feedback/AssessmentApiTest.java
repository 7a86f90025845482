package io.tracebridge.feedback;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.Test;

/**
 * Assessments with the request bodies MLflow's Python client sends (message_to_json of
 * CreateAssessment / UpdateAssessment / DeleteAssessment: snake_case, Timestamp strings,
 * FieldMask as a camelCase string).
 */
@QuarkusTest
class AssessmentApiTest {

    static String logFeedbackBody(String traceId, String name, String valueJson, String rationale) {
        return """
                {"assessment": {"assessment_name": "%s", "trace_id": "%s",
                  "source": {"source_type": "HUMAN", "source_id": "jane@example.com"},
                  "create_time": "2025-06-04T00:17:06.901Z", "last_update_time": "2025-06-04T00:17:06.901Z",
                  "feedback": {"value": %s}, "rationale": "%s", "metadata": {"channel": "web"}, "valid": true}}
                """.formatted(name, traceId, valueJson, rationale);
    }

    static JsonPath post(String traceId, String body, int status) {
        return given().contentType("application/json").body(body)
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments")
                .then().statusCode(status).extract().jsonPath();
    }

    @Test
    void logFeedbackRoundTripsAndAppearsInTheTrace() {
        String traceId = Traces.send(Experiments.create("assess"), "chat", null);
        JsonPath a = post(traceId, logFeedbackBody(traceId, "response_is_correct", "true", "Clear answer"), 200)
                .setRootPath("assessment");
        assertThat(a.getString("assessment_id")).matches("a-[0-9a-f]{32}");
        assertThat(a.getString("assessment_name")).isEqualTo("response_is_correct");
        assertThat(a.getString("trace_id")).isEqualTo(traceId);
        assertThat(a.getBoolean("feedback.value")).isTrue();
        assertThat(a.getString("rationale")).isEqualTo("Clear answer");
        assertThat(a.getString("source.source_type")).isEqualTo("HUMAN");
        assertThat(a.getString("source.source_id")).isEqualTo("jane@example.com");
        assertThat(a.getString("create_time")).isEqualTo("2025-06-04T00:17:06.901Z");
        assertThat(a.getString("last_update_time")).isNotNull();
        assertThat(a.getString("metadata.channel")).isEqualTo("web");
        assertThat(a.getBoolean("valid")).isTrue();
        String id = a.getString("assessment_id");

        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(200)
                .body("assessment.assessment_id", equalTo(id));
        given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200)
                .body("trace.trace_info.assessments", hasSize(1))
                .body("trace.trace_info.assessments[0].assessment_id", equalTo(id))
                .body("trace.trace_info.assessments[0].feedback.value", equalTo(true));
    }

    /** As MLflow: sent times are kept; absent ones come from the server, and then both are equal. */
    @Test
    void createKeepsTheClientsTimesAndSetsOnlyAbsentOnes() {
        String traceId = Traces.send(Experiments.create("assess-times"), "chat", null);
        String src = "\"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"jane\"}, \"feedback\": {\"value\": true}";
        JsonPath both = post(traceId, "{\"assessment\": {\"assessment_name\": \"t1\", " + src
                + ", \"create_time\": \"2025-06-04T00:17:06.901Z\", \"last_update_time\": \"2025-06-05T10:00:00.123Z\"}}", 200)
                .setRootPath("assessment");
        assertThat(both.getString("create_time")).isEqualTo("2025-06-04T00:17:06.901Z");
        assertThat(both.getString("last_update_time")).isEqualTo("2025-06-05T10:00:00.123Z");
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + both.getString("assessment_id"))
                .then().body("assessment.last_update_time", equalTo("2025-06-05T10:00:00.123Z"));

        JsonPath createOnly = post(traceId, "{\"assessment\": {\"assessment_name\": \"t2\", " + src
                + ", \"create_time\": \"2025-06-04T00:17:06.901Z\"}}", 200).setRootPath("assessment");
        assertThat(createOnly.getString("last_update_time")).isEqualTo("2025-06-04T00:17:06.901Z");

        // What mlflow.log_feedback sends: neither time.
        JsonPath neither = post(traceId, "{\"assessment\": {\"assessment_name\": \"t3\", " + src + "}}", 200)
                .setRootPath("assessment");
        assertThat(neither.getString("create_time")).isNotNull().isEqualTo(neither.getString("last_update_time"));
    }

    @Test
    void feedbackValueTypesAndErrors() {
        String traceId = Traces.send(Experiments.create("values"), "chat", null);
        for (String value : new String[] {"0.87", "\"positive\"", "[\"a\", \"b\"]", "{\"k\": {\"n\": 1}}", "5"}) {
            String got = post(traceId, logFeedbackBody(traceId, "v", value, "r"), 200)
                    .getString("assessment.feedback.value");
            assertThat(got).isNotNull();
        }
        String error = """
                {"assessment": {"assessment_name": "judge", "source": {"source_type": "LLM_JUDGE", "source_id": "gpt-4o"},
                  "feedback": {"error": {"error_code": "RATE_LIMIT", "error_message": "429", "stack_trace": "Traceback"}}}}
                """;
        post(traceId, error, 200).setRootPath("assessment")
                .getMap("feedback.error").forEach((k, v) -> assertThat(v).isNotNull());
    }

    @Test
    void logExpectationWithValueAndSerializedValue() {
        String traceId = Traces.send(Experiments.create("expect"), "chat", null);
        JsonPath a = post(traceId, """
                {"assessment": {"assessment_name": "expected_response", "trace_id": "%s",
                  "source": {"source_type": "HUMAN", "source_id": "reviewer"},
                  "expectation": {"value": "Use the reset link"}, "metadata": {}}}
                """.formatted(traceId), 200).setRootPath("assessment");
        assertThat(a.getString("expectation.value")).isEqualTo("Use the reset link");
        JsonPath b = post(traceId, """
                {"assessment": {"assessment_name": "expected_facts", "source": {"source_type": "CODE"},
                  "expectation": {"serialized_value": {"serialization_format": "JSON_FORMAT", "value": "[{\\"a\\": 1}]"}}}}
                """, 200).setRootPath("assessment");
        assertThat(b.getString("expectation.serialized_value.serialization_format")).isEqualTo("JSON_FORMAT");
        assertThat(b.getString("expectation.serialized_value.value")).isEqualTo("[{\"a\": 1}]");
        assertThat(b.getString("source.source_id")).isEqualTo("");
    }

    @Test
    void updateAssessmentWithCamelCaseMaskMergesMetadata() {
        String traceId = Traces.send(Experiments.create("update"), "chat", null);
        String id = post(traceId, logFeedbackBody(traceId, "quality", "3", "ok"), 200).getString("assessment.assessment_id");
        // mlflow.update_assessment(trace_id, assessment_id, Feedback(name="quality", value=5, rationale="better"))
        given().contentType("application/json").body("""
                {"assessment": {"assessment_id": "%s", "trace_id": "%s", "assessment_name": "quality",
                  "feedback": {"value": 5}, "rationale": "better", "metadata": {"reviewed": "yes"}},
                 "update_mask": "assessmentName,feedback,rationale,metadata"}
                """.formatted(id, traceId))
                .patch("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(200)
                .body("assessment.feedback.value", equalTo(5))
                .body("assessment.rationale", equalTo("better"))
                .body("assessment.metadata.channel", equalTo("web"))
                .body("assessment.metadata.reviewed", equalTo("yes"))
                .body("assessment.source.source_id", equalTo("jane@example.com"))
                .body("assessment.create_time", equalTo("2025-06-04T00:17:06.901Z"));
        // snake_case mask and the object form
        given().contentType("application/json").body("{\"assessment\": {\"rationale\": \"snake\"}, \"update_mask\": \"rationale\"}")
                .patch("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(200)
                .body("assessment.rationale", equalTo("snake"));
        given().contentType("application/json")
                .body("{\"assessment\": {\"assessment_name\": \"renamed\"}, \"update_mask\": {\"paths\": [\"assessment_name\"]}}")
                .patch("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(200)
                .body("assessment.assessment_name", equalTo("renamed"))
                .body("assessment.rationale", equalTo("snake"));
        given().contentType("application/json")
                .body("{\"assessment\": {\"expectation\": {\"value\": 1}}, \"update_mask\": \"expectation\"}")
                .patch("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(400)
                .body("message", containsString("Cannot set an expectation value on feedback"));
        given().contentType("application/json")
                .body("{\"assessment\": {\"expectation\": {\"value\": 1}, \"feedback\": {\"value\": 1}}, "
                        + "\"update_mask\": \"expectation,feedback\"}")
                .patch("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + id).then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }

    /** mlflow.override_feedback: GET the old one, POST a new one with overrides; delete restores. */
    @Test
    void overrideAndDeleteRestoresValidity() {
        String traceId = Traces.send(Experiments.create("override"), "chat", null);
        String old = post(traceId, logFeedbackBody(traceId, "is_correct", "false", "wrong"), 200)
                .getString("assessment.assessment_id");
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + old).then().statusCode(200);
        String newer = post(traceId, """
                {"assessment": {"assessment_name": "is_correct", "trace_id": "%s",
                  "source": {"source_type": "HUMAN", "source_id": "lead"}, "feedback": {"value": true},
                  "rationale": "reviewed again", "overrides": "%s", "valid": true}}
                """.formatted(traceId, old), 200).getString("assessment.assessment_id");
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + old).then().statusCode(200)
                .body("assessment.valid", equalTo(false));
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + newer).then().statusCode(200)
                .body("assessment.overrides", equalTo(old)).body("assessment.valid", equalTo(true));
        // mlflow.delete_assessment sends a JSON body with both IDs.
        given().contentType("application/json").body("{\"trace_id\": \"" + traceId + "\", \"assessment_id\": \"" + newer + "\"}")
                .delete("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + newer).then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + old).then().statusCode(200)
                .body("assessment.valid", equalTo(true));
        given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + newer).then().statusCode(404)
                .body("message", equalTo("Assessment with ID '" + newer + "' not found for trace '" + traceId + "'"));
        // idempotent delete; missing trace is 404
        given().delete("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + newer).then().statusCode(200);
        given().delete("/api/3.0/mlflow/traces/tr-00000000000000000000000000000001/assessments/" + newer)
                .then().statusCode(404);
    }

    @Test
    void validation() {
        String traceId = Traces.send(Experiments.create("validation"), "chat", null);
        String src = "\"source\": {\"source_type\": \"HUMAN\"}";
        expect400(traceId, "{\"assessment\": {" + src + ", \"feedback\": {\"value\": 1}}}", "assessment_name");
        expect400(traceId, "{\"assessment\": {\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}}}", "source");
        expect400(traceId, "{\"assessment\": {\"assessment_name\": \"x\", \"source\": {\"source_type\": \"ROBOT\"}, "
                + "\"feedback\": {\"value\": 1}}}", "Invalid source_type");
        expect400(traceId, "{\"assessment\": {\"assessment_name\": \"x\", " + src + "}}", "exactly one of 'feedback' or 'expectation'");
        expect400(traceId, "{\"assessment\": {\"assessment_name\": \"x\", " + src + ", \"feedback\": {\"value\": 1}, "
                + "\"expectation\": {\"value\": 1}}}", "exactly one of 'feedback' or 'expectation'");
        expect400(traceId, "{\"assessment\": {\"assessment_name\": \"x\", " + src + ", \"feedback\": {\"value\": null}}}",
                "cannot be null without an error");
        expect400(traceId, "{}", "assessment");
        expect400(traceId, "not json", "Malformed");
        given().contentType("application/json").body("{\"assessment\": {\"assessment_name\": \"x\", " + src
                        + ", \"feedback\": {\"value\": 1}}}")
                .post("/api/3.0/mlflow/traces/tr-00000000000000000000000000000001/assessments").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", equalTo("Trace with request_id 'tr-00000000000000000000000000000001' not found"));
        given().contentType("application/json").body("{\"assessment\": {\"assessment_name\": \"x\", " + src
                        + ", \"feedback\": {\"value\": 1}, \"overrides\": \"a-missing\"}}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        given().get("/api/3.0/mlflow/traces/" + traceId).then().body("trace.trace_info.assessments", hasSize(0));
    }

    private static void expect400(String traceId, String body, String message) {
        given().contentType("application/json").body(body).post("/api/3.0/mlflow/traces/" + traceId + "/assessments")
                .then().statusCode(400).body("message", containsString(message))
                .body("error_code", matchesPattern("INVALID_PARAMETER_VALUE|MALFORMED_REQUEST"));
    }
}

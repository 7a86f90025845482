package io.tracebridge.search;

import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * MLflow's exact messages for invalid trace searches through the REST API (v3 and v2 paths):
 * HTTP 400, {@code INVALID_PARAMETER_VALUE}. The full table is in {@link MlflowFilterMessagesTest}.
 */
@QuarkusTest
class TraceSearchErrorMessagesApiTest {

    static Stream<Arguments> cases() {
        String tagSet = "{'!=', '=', 'LIKE', 'ILIKE', 'RLIKE'}";
        return Stream.of(
                // mlflow/utils/search_utils.py SearchTraceUtils.is_request_metadata
                Arguments.of("metadata.user == 'x'", null, "Invalid comparator '==' not one of '" + tagSet + "'"),
                // mlflow/utils/search_utils.py SearchUtils.is_tag
                Arguments.of("tag.env > 'prod'", null, "Invalid comparator '>' not one of '" + tagSet),
                // mlflow/utils/search_utils.py SearchUtils._get_identifier
                Arguments.of("trace.prompts = 'x'", null, "Invalid attribute key 'prompts' specified. Valid keys are "
                        + "'{'request_id', 'timestamp', 'timestamp_ms', 'execution_time', 'execution_time_ms', 'end_time', "
                        + "'end_time_ms', 'status', 'client_request_id', 'name', 'run_id', 'text'}'"),
                // mlflow/utils/search_utils.py SearchUtils._strip_quotes
                Arguments.of("tag.env = production", null, "Parameter value is either not quoted or unidentified quote "
                        + "types used for string value production. Use either single or double quotes."),
                // mlflow/utils/search_utils.py SearchTraceUtils._process_statement
                Arguments.of("trace.status = 'OK' OR trace.status = 'ERROR'", null,
                        "Invalid clause(s) in filter string: 'OR'"),
                // mlflow/utils/search_utils.py SearchUtils._parse_order_by_string
                Arguments.of(null, "timestamp_ms DOWN", "Invalid ordering key in order_by clause 'timestamp_ms DOWN'."),
                // mlflow/utils/search_utils.py SearchUtils._get_identifier (order_by keys)
                Arguments.of(null, "client_id DESC", "Invalid attribute key 'client_id' specified. Valid keys are "
                        + "'{'experiment_id', 'timestamp', 'timestamp_ms', 'execution_time', 'execution_time_ms', "
                        + "'end_time', 'end_time_ms', 'status', 'request_id', 'name', 'run_id'}'"));
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void v3AndV2AnswerMlflowMessages(String filter, String orderBy, String message) {
        for (String path : List.of("/api/3.0/mlflow/traces/search", "/api/2.0/mlflow/traces/search")) {
            var body = TraceSearchTest.MAPPER.createObjectNode();
            body.putArray("locations").addObject().put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                    .put("experiment_id", "0");
            if (filter != null) {
                body.put("filter", filter);
            }
            if (orderBy != null) {
                body.putArray("order_by").add(orderBy);
            }
            io.restassured.RestAssured.given().contentType("application/json").body(body.toString()).post(path)
                    .then().statusCode(400)
                    .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", equalTo(message));
        }
    }
}

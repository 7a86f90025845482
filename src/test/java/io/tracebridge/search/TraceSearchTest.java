package io.tracebridge.search;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** SearchTracesV3 with MLflow's filter grammar: docs/mlflow-compatibility.md §5.5 examples and §5.6 invalid filters. */
@QuarkusTest
class TraceSearchTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static SearchFixture fixture;

    @BeforeEach
    void seed() {
        if (fixture == null) {
            fixture = new SearchFixture();
        }
    }

    static Stream<Arguments> examples() {
        long b = SearchFixture.BASE;
        return Stream.of(
                Arguments.of("attributes.client_request_id = 'req-abc-123-xyz-789'", Set.of("T1")),
                Arguments.of("tags.`mlflow.trace.user` = 'user-jane-doe-12345'", Set.of("T1", "T4")),
                Arguments.of("tags.`mlflow.trace.session` = 'session-123'", Set.of("T1", "T4")),
                Arguments.of("metadata.`mlflow.trace.user` = 'user-jane-doe-12345'", Set.of("T1", "T4")),
                Arguments.of("metadata.`mlflow.trace.session` = 'session-123'", Set.of("T1", "T4")),
                Arguments.of("request_metadata.`mlflow.trace.session` IS NOT NULL", Set.of("T1", "T2", "T4")),
                Arguments.of("trace.status = 'OK'", Set.of("T1", "T4")),
                Arguments.of("status = \"ERROR\"", Set.of("T2")),
                Arguments.of("trace.status IN ('OK', 'ERROR')", Set.of("T1", "T2", "T4")),
                Arguments.of("trace.status != 'OK'", Set.of("T2", "T3")),
                Arguments.of("trace.timestamp_ms > " + b, Set.of("T1", "T2", "T3")),
                Arguments.of("timestamp > " + b + " AND timestamp < " + (b + 3_600_000), Set.of("T1", "T2", "T3")),
                Arguments.of("trace.execution_time_ms >= 200 AND trace.execution_time_ms <= 800", Set.of("T1", "T4")),
                Arguments.of("trace.end_time_ms > " + (b + 2500), Set.of("T2", "T3")),
                Arguments.of("trace.name = 'predict'", Set.of("T1")),
                Arguments.of("trace.name ILIKE '%PREDICT%'", Set.of("T1", "T4")),
                Arguments.of("trace.name RLIKE '^(predict|inference)_[0-9]+'", Set.of("T2", "T4")),
                Arguments.of("tag.environment = 'production'", Set.of("T1", "T2")),
                Arguments.of("tags.`mlflow.traceName` = 'predict'", Set.of("T1")),
                Arguments.of("tag.model_name LIKE 'gpt-%'", Set.of("T1")),
                Arguments.of("tag.reviewed IS NULL", Set.of("T1", "T3", "T4")),
                Arguments.of("trace.run_id = 'abc123'", Set.of("T1")),
                Arguments.of("prompt = \"qa-system-prompt/4\"", Set.of("T2")),
                Arguments.of("span.type = 'LLM'", Set.of("T1")),
                Arguments.of("span.name LIKE '%embedding%' AND span.type = 'EMBEDDING'", Set.of("T1")),
                Arguments.of("span.attributes.model_version LIKE '%v2%'", Set.of("T1")),
                Arguments.of("span.attributes.model_version = 'v2.1'", Set.of("T1")),
                Arguments.of("trace.text LIKE '%authentication error%'", Set.of("T2")),
                Arguments.of("trace.client_request_id LIKE 'req-%' AND tag.environment = 'production' "
                        + "AND trace.status = 'ERROR'", Set.of("T2")),
                Arguments.of("span.status = 'ERROR'", Set.of("T2")),
                Arguments.of("trace.name IN ('predict', 'predict_7')", Set.of("T1", "T4")),
                Arguments.of("tags.`mlflow.trace.user` IS NULL", Set.of("T3")),
                Arguments.of("tag.environment != 'production'", Set.of()),
                Arguments.of("", Set.of("T1", "T2", "T3", "T4")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void filterExamples(String filter, Set<String> expected) {
        Response r = search(filter, null, null, null, fixture.experimentId);
        r.then().statusCode(200);
        List<String> got = r.jsonPath().getList("traces.trace_id");
        List<String> want = expected.stream().map(fixture::traceId).toList();
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("trace.status = 'OK' OR trace.status = 'ERROR'", "Invalid clause(s) in filter string: 'OR'"),
                Arguments.of("trace.foo = 'x'", "Invalid attribute key 'foo'"),
                Arguments.of("assessment.quality = 'good'", "Invalid entity type 'assessment'"),
                Arguments.of("trace.timestamp_ms > 'yesterday'", "Expected numeric value"),
                Arguments.of("trace.status > 'OK'", "Invalid comparator '>'"),
                Arguments.of("tag.env = production", "Parameter value is either not quoted or unidentified quote types used "
                        + "for string value production. Use either single or double quotes."),
                Arguments.of("trace.name IN 'a'", "Invalid clause(s) in filter string: 'trace.name', 'IN', ''a''"),
                Arguments.of("trace.timestamp_ms IN (1,2)", "list"),
                Arguments.of("span.foo = 'x'", "Invalid span attribute 'foo'. Supported attributes: name, status, type, attributes.<attribute_name>."),
                Arguments.of("span.content = 'x'", "span.content comparator '='"),
                Arguments.of("prompt LIKE 'qa%'", "Invalid comparator 'LIKE' for prompts filter. Only '=' is supported"),
                Arguments.of("prompt = 'qa'", "Invalid prompts filter value 'qa'. Expected format: prompt = \"name/version\""),
                Arguments.of("issue.name = 'x'", "Invalid issue attribute 'name'. Supported attributes: id"),
                Arguments.of("feedback. = 'x'", "Assessment field name cannot be empty"),
                Arguments.of("trace.status = 'OK'; DROP TABLE x", "Search filter contained multiple expression"),
                Arguments.of("tag.env IN ('a')", "Invalid comparator 'IN'"),
                Arguments.of("trace.name RLIKE '(unclosed'", "Invalid filter value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidFilters(String filter, String message) {
        search(filter, null, null, null, fixture.experimentId).then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString(message));
    }

    @Test
    void invalidOrderByAndPaging() {
        search(null, List.of("timestamp_ms DOWN"), null, null, fixture.experimentId).then().statusCode(400)
                .body("message", containsString("Invalid ordering key in order_by clause 'timestamp_ms DOWN'."));
        search(null, List.of("name", "name DESC"), null, null, fixture.experimentId).then().statusCode(400)
                .body("message", containsString("duplicate"));
        search(null, null, 501, null, fixture.experimentId).then().statusCode(400)
                .body("message", containsString("It must be at most 500"));
        search(null, null, 0, null, fixture.experimentId).then().statusCode(400)
                .body("message", containsString("It must be a positive integer"));
        search(null, null, null, "not-a-token", fixture.experimentId).then().statusCode(400)
                .body("message", containsString("Invalid page token"));
        String token = search(null, null, 1, null, fixture.experimentId).then().statusCode(200)
                .extract().path("next_page_token");
        search("trace.status = 'OK'", null, 1, token, fixture.experimentId).then().statusCode(400)
                .body("message", containsString("belongs to a different search"));
        given().contentType("application/json").body("{\"filter\": \"\"}").post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("message", containsString("At least one experiment location"));
        given().contentType("application/json")
                .body("{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"x\"}}]}")
                .post("/api/3.0/mlflow/traces/search").then().statusCode(400)
                .body("message", containsString("Invalid experiment ID"));
    }

    @Test
    void defaultOrderIsNewestFirstAndOrderByWorks() {
        List<String> got = search(null, null, null, null, fixture.experimentId).jsonPath().getList("traces.trace_id");
        assertThat(got).containsExactly(fixture.traceId("T3"), fixture.traceId("T2"), fixture.traceId("T1"),
                fixture.traceId("T4"));
        got = search(null, List.of("execution_time_ms ASC"), null, null, fixture.experimentId)
                .jsonPath().getList("traces.trace_id");
        assertThat(got).containsExactly(fixture.traceId("T3"), fixture.traceId("T4"), fixture.traceId("T1"),
                fixture.traceId("T2"));
        // Traces without the tag sort last in both directions.
        got = search(null, List.of("tag.reviewed DESC", "timestamp_ms ASC"), null, null, fixture.experimentId)
                .jsonPath().getList("traces.trace_id");
        assertThat(got).containsExactly(fixture.traceId("T2"), fixture.traceId("T4"), fixture.traceId("T1"),
                fixture.traceId("T3"));
    }

    @Test
    void resultsCarryTraceInfoWithTagsAndMetadata() {
        search("attributes.client_request_id = 'req-abc-123-xyz-789'", null, null, null, fixture.experimentId)
                .then().statusCode(200)
                .body("traces[0].trace_id", equalTo(fixture.traceId("T1")))
                .body("traces[0].state", equalTo("OK"))
                .body("traces[0].execution_duration", equalTo("0.500s"))
                .body("traces[0].trace_metadata.'mlflow.trace.user'", equalTo("user-jane-doe-12345"))
                .body("traces[0].trace_metadata.'mlflow.sourceRun'", equalTo("abc123"))
                .body("traces[0].tags.environment", equalTo("production"))
                .body("traces[0].tags.'mlflow.traceName'", equalTo("predict"))
                .body("traces[0].assessments.size()", equalTo(0));
    }

    @Test
    void severalExperimentLocationsAndV2Prefix() {
        String other = new SearchFixture().experimentId;
        Response r = given().contentType("application/json").body("{\"locations\":["
                        + "{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"" + fixture.experimentId + "\"}},"
                        + "{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"" + other + "\"}}],"
                        + "\"filter\":\"trace.name = 'predict'\"}")
                .post("/api/2.0/mlflow/traces/search");
        r.then().statusCode(200);
        assertThat(r.jsonPath().getList("traces.trace_location.mlflow_experiment.experiment_id"))
                .containsExactlyInAnyOrder(fixture.experimentId, other);
    }

    static Response search(String filter, List<String> orderBy, Integer max, String token, String... experiments) {
        ObjectNode body = MAPPER.createObjectNode();
        var locs = body.putArray("locations");
        for (String e : experiments) {
            locs.addObject().put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment").put("experiment_id", e);
        }
        if (filter != null) {
            body.put("filter", filter);
        }
        if (orderBy != null) {
            var ob = body.putArray("order_by");
            orderBy.forEach(ob::add);
        }
        if (max != null) {
            body.put("max_results", max);
        }
        if (token != null) {
            body.put("page_token", token);
        }
        return given().contentType("application/json").body(body.toString()).post("/api/3.0/mlflow/traces/search");
    }

    static List<String> allPages(String filter, int pageSize, String experiment, Runnable betweenPages) {
        List<String> out = new ArrayList<>();
        String token = null;
        do {
            Response r = search(filter, null, pageSize, token, experiment);
            r.then().statusCode(200);
            out.addAll(r.jsonPath().getList("traces.trace_id"));
            token = r.jsonPath().getString("next_page_token");
            betweenPages.run();
        } while (token != null);
        return out;
    }
}

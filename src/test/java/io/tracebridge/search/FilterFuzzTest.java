package io.tracebridge.search;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.tracebridge.model.MlflowException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

/**
 * Random filter strings, built from grammar fragments and random characters: the compiler
 * either accepts them or throws INVALID_PARAMETER_VALUE; over HTTP only 200 or 400 come back.
 */
@QuarkusTest
class FilterFuzzTest {
    static final String[] FRAGMENTS = {
        "trace.", "tag.", "tags.", "metadata.", "span.", "feedback.", "expectation.", "attributes.", "issue.",
        "status", "name", "timestamp_ms", "execution_time_ms", "request_id", "client_request_id", "run_id", "text",
        "prompt", "type", "content", "attributes.x", "`a.b`", "\"q\"", "=", "!=", "<>", "<", "<=", ">", ">=",
        " LIKE ", " ILIKE ", " RLIKE ", " IN ", " NOT IN ", " IS NULL", " IS NOT NULL", " AND ", " OR ", " and ",
        "'x'", "'%y%'", "\"z\"", "'a''b'", "('a', 'b')", "(1, 2)", "()", "123", "-4.5e3", "1e", "'", "\"", "`",
        "(", ")", ",", ";", ".", " ", "\\", "'(unclosed'", "'[z-a]'", "'\\'", "\u0000", "é", "🙂", "$1", "--",
        "/*", "DROP TABLE traces", "NULL", "TRUE"};
    static final ObjectMapper MAPPER = new ObjectMapper();

    static String randomFilter(Random r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(9);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(6) == 0) {
                b.append((char) (r.nextInt(0x2FF) + 1));
            } else {
                b.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
            }
        }
        return b.toString();
    }

    @Test
    void compilerOnlyEverSaysInvalidParameter() {
        Random r = new Random(20261124);
        for (int i = 0; i < 30_000; i++) {
            String filter = randomFilter(r);
            try {
                TraceSearch.compile(List.of(1L), filter, List.of(), 10, null);
            } catch (MlflowException e) {
                assertThat(e.code().name()).as(filter).isEqualTo("INVALID_PARAMETER_VALUE");
            }
        }
    }

    @Test
    void searchAnswersOnly200Or400() throws Exception {
        String exp = new SearchFixture().experimentId;
        Random r = new Random(7);
        for (int i = 0; i < 400; i++) {
            String filter = randomFilter(r);
            String body = MAPPER.writeValueAsString(java.util.Map.of(
                    "locations", List.of(java.util.Map.of("type", "MLFLOW_EXPERIMENT",
                            "mlflow_experiment", java.util.Map.of("experiment_id", exp))),
                    "filter", filter));
            Response resp = given().contentType("application/json").body(body).post("/api/3.0/mlflow/traces/search");
            assertThat(resp.statusCode()).as(filter).isIn(200, 400);
            if (resp.statusCode() == 400) {
                assertThat(resp.jsonPath().getString("error_code")).as(filter).isEqualTo("INVALID_PARAMETER_VALUE");
                assertThat(resp.jsonPath().getString("message")).as(filter).doesNotContain("SELECT").doesNotContain("\tat ");
            }
        }
    }
}

package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

/** MLflow experiment endpoints as the Python client calls them. */
@QuarkusTest
class ExperimentApiTest {

    @Test
    void createGetAndGetByName() {
        String name = "exp-" + UUID.randomUUID();
        String id = given().contentType("application/json")
                .body("{\"name\":\"" + name + "\",\"tags\":[{\"key\":\"team\",\"value\":\"search\"}]}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(200)
                .body("experiment_id", notNullValue()).extract().path("experiment_id");
        given().get("/api/2.0/mlflow/experiments/get?experiment_id=" + id).then().statusCode(200)
                .body("experiment.experiment_id", equalTo(id))
                .body("experiment.name", equalTo(name))
                .body("experiment.artifact_location", equalTo("mlflow-artifacts:/" + id))
                .body("experiment.lifecycle_stage", equalTo("active"))
                .body("experiment.creation_time", notNullValue())
                .body("experiment.tags[0].key", equalTo("team"))
                .body("experiment.tags[0].value", equalTo("search"));
        given().queryParam("experiment_name", name).get("/api/3.0/mlflow/experiments/get-by-name").then()
                .statusCode(200).body("experiment.experiment_id", equalTo(id));
    }

    @Test
    void defaultExperimentExists() {
        given().get("/api/2.0/mlflow/experiments/get?experiment_id=0").then().statusCode(200)
                .body("experiment.name", equalTo("Default"));
    }

    @Test
    void errors() {
        given().queryParam("experiment_name", "no-such-" + UUID.randomUUID())
                .get("/api/2.0/mlflow/experiments/get-by-name").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        given().get("/api/2.0/mlflow/experiments/get?experiment_id=99999999").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        given().get("/api/2.0/mlflow/experiments/get?experiment_id=abc").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        given().get("/api/2.0/mlflow/experiments/get").then().statusCode(400)
                .body("message", containsString("Missing value for required parameter 'experiment_id'"));
        given().contentType("application/json").body("{}").post("/api/2.0/mlflow/experiments/create").then()
                .statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("'name'"));
        given().contentType("application/json").body("{\"name\": ").post("/api/2.0/mlflow/experiments/create").then()
                .statusCode(400).body("error_code", equalTo("MALFORMED_REQUEST"));
        given().contentType("application/json").body("{\"name\":\"Default\"}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(400)
                .body("error_code", equalTo("RESOURCE_ALREADY_EXISTS"));
        given().get("/api/2.0/mlflow/no-such-endpoint").then().statusCode(404)
                .body("error_code", equalTo("ENDPOINT_NOT_FOUND"));
        given().get("/api/3.0/mlflow/traces/tr-00000000000000000000000000000000").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", equalTo("Trace with ID 'tr-00000000000000000000000000000000' not found."));
    }

    @Test
    void searchFiltersAndPages() {
        String prefix = "page-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            given().contentType("application/json")
                    .body("{\"name\":\"" + prefix + "-" + i + "\",\"tags\":[{\"key\":\"idx\",\"value\":\"" + i + "\"}]}")
                    .post("/api/2.0/mlflow/experiments/create").then().statusCode(200);
        }
        String filter = "name LIKE '" + prefix + "%'";
        String token = given().contentType("application/json")
                .body("{\"filter\":\"" + filter + "\",\"max_results\":3,\"order_by\":[\"name ASC\"]}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .body("experiments", hasSize(3))
                .body("experiments[0].name", equalTo(prefix + "-0"))
                .body("next_page_token", notNullValue())
                .extract().path("next_page_token");
        given().contentType("application/json")
                .body("{\"filter\":\"" + filter + "\",\"max_results\":3,\"order_by\":[\"name ASC\"],\"page_token\":\"" + token + "\"}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .body("experiments", hasSize(2))
                .body("experiments[1].name", equalTo(prefix + "-4"))
                .body("next_page_token", nullValue());
        given().queryParam("filter", filter + " AND tags.idx = '3'")
                .get("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .body("experiments", hasSize(1))
                .body("experiments[0].name", equalTo(prefix + "-3"));
        given().queryParam("filter", "name ILIKE '" + prefix.toUpperCase() + "-1'")
                .get("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .body("experiments", hasSize(1));
    }

    /** Every kind of experiment condition and the default order (newest first, then ID), as MLflow's store answers. */
    @Test
    void searchCoversEveryConditionKindAndTheDefaultOrder() {
        String prefix = "kinds-" + UUID.randomUUID();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(given().contentType("application/json")
                    .body("{\"name\":\"" + prefix + "-" + i + "\",\"tags\":[{\"key\":\"team\",\"value\":\"t" + (i % 2) + "\"}]}")
                    .post("/api/2.0/mlflow/experiments/create").then().statusCode(200).extract().path("experiment_id"));
        }
        java.util.function.Function<String, List<String>> names = filter -> given().queryParam("filter", filter)
                .get("/api/2.0/mlflow/experiments/search").then().statusCode(200).extract().jsonPath()
                .getList("experiments.name");
        String mine = "name LIKE '" + prefix + "%'";
        // No order given: creation time descending, ties by experiment ID ascending.
        var listed = given().queryParam("filter", mine).get("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .extract().jsonPath();
        List<Long> created = listed.getList("experiments.creation_time", Long.class);
        List<Long> listedIds = listed.getList("experiments.experiment_id", Long.class);
        assertThat(listedIds).containsExactlyInAnyOrderElementsOf(ids.stream().map(Long::valueOf).toList());
        for (int i = 1; i < created.size(); i++) {
            assertThat(created.get(i - 1) > created.get(i)
                    || (created.get(i - 1).equals(created.get(i)) && listedIds.get(i - 1) < listedIds.get(i)))
                    .as("newest first, then by ID: %s %s", created, listedIds).isTrue();
        }
        assertThat(names.apply(mine + " AND name != '" + prefix + "-1'")).containsExactlyInAnyOrder(prefix + "-0", prefix + "-2");
        assertThat(names.apply(mine + " AND tags.team != 't0'")).containsExactly(prefix + "-1");
        assertThat(names.apply(mine + " AND tags.team LIKE 't%'")).hasSize(3);
        assertThat(names.apply(mine + " AND tags.team ILIKE 'T1'")).containsExactly(prefix + "-1");
        assertThat(names.apply(mine + " AND experiment_id = '" + ids.get(2) + "'")).containsExactly(prefix + "-2");
        assertThat(names.apply(mine + " AND experiment_id != '" + ids.get(2) + "'")).hasSize(2);
        assertThat(names.apply(mine + " AND creation_time > 0 AND last_update_time >= 0")).hasSize(3);
        assertThat(names.apply(mine + " AND creation_time < 0")).isEmpty();
        assertThat(given().queryParam("filter", mine).queryParam("order_by", "experiment_id DESC")
                .get("/api/2.0/mlflow/experiments/search").then().statusCode(200).extract().jsonPath()
                .getList("experiments.experiment_id", String.class))
                .containsExactly(ids.get(2), ids.get(1), ids.get(0));
        given().queryParam("filter", mine + " AND tags.team < 't1'").get("/api/2.0/mlflow/experiments/search")
                .then().statusCode(400).body("message", containsString("not one of '['=', '!=', 'LIKE', 'ILIKE']'"));
    }

    @Test
    void searchRejectsBadInput() {
        given().contentType("application/json").body("{\"filter\":\"name = 'a' OR name = 'b'\"}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("OR"));
        given().contentType("application/json").body("{\"filter\":\"foo = 'a'\"}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(400)
                .body("message", containsString("Invalid attribute key 'foo'"));
        given().contentType("application/json").body("{\"max_results\":0}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(400)
                .body("message", containsString("max_results"));
        given().contentType("application/json").body("{\"page_token\":\"%%%\"}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(400)
                .body("message", containsString("Invalid page token"));
        given().contentType("application/json").body("{\"order_by\":[\"name DOWN\"]}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(400)
                .body("message", containsString("Invalid ordering key"));
    }

    @Test
    void versionAndHealth() {
        given().get("/version").then().statusCode(200).body(equalTo("3.6.0"));
        given().get("/health").then().statusCode(200).body(equalTo("OK"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}

package io.tracebridge.support;

import static io.restassured.RestAssured.given;

import java.util.UUID;

/** Creates uniquely named experiments over the REST API so tests do not see each other's traces. */
public final class Experiments {
    private Experiments() {
    }

    public static String create(String prefix) {
        return given().contentType("application/json")
                .body("{\"name\":\"" + prefix + "-" + UUID.randomUUID() + "\"}")
                .post("/api/2.0/mlflow/experiments/create")
                .then().statusCode(200)
                .extract().path("experiment_id");
    }
}

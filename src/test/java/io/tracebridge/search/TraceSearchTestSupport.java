package io.tracebridge.search;

import static io.restassured.RestAssured.given;

import java.util.List;

/** Trace search over REST for tests outside this package. */
public final class TraceSearchTestSupport {
    private TraceSearchTestSupport() {
    }

    public static String body(String experimentId, String filter) {
        var body = TraceSearchTest.MAPPER.createObjectNode();
        body.putArray("locations").addObject().put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                .put("experiment_id", experimentId);
        body.put("filter", filter);
        return body.toString();
    }

    /** Trace IDs matching the filter in that experiment (one page of up to 500). */
    public static List<String> ids(String experimentId, String filter) {
        return TraceSearchTest.search(filter, null, 500, null, experimentId).then().statusCode(200)
                .extract().jsonPath().getList("traces.trace_id");
    }
}

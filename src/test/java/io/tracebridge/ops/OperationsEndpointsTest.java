package io.tracebridge.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

/** Health, metrics and OpenAPI as Kubernetes and operators use them. */
@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void probePathsOfTheDeploymentAnswerUp() throws IOException {
        JsonNode container = new ObjectMapper(new YAMLFactory()).readTree(new java.io.File("k8s/base/deployment.yaml"))
                .at("/spec/template/spec/containers/0");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String path = container.get(probe).at("/httpGet/path").asText();
            given().get(path).then().statusCode(200).body("status", equalTo("UP"));
        }
        // Readiness includes the database check.
        given().get("/q/health/ready").then().body("checks.name", org.hamcrest.Matchers.hasItem("database"));
    }

    /**
     * The explorer cannot be framed or loaded with foreign code, no answer is MIME-sniffed, and
     * its unversioned files are revalidated on every load (304 when unchanged), never pinned.
     */
    @Test
    void securityHeadersOnThePageTheApiAndErrors() {
        for (String path : List.of("/", "/index.html", "/ui/app.js", "/ui/app.css", "/api/2.0/mlflow/experiments/get?experiment_id=0",
                "/api/2.0/mlflow/experiments/get?experiment_id=abc", "/nothing/here", "/q/health/ready", "/version")) {
            var r = given().get(path).then().extract();
            assertThat(r.header("Content-Security-Policy")).as("CSP of %s", path)
                    .contains("default-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
            assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(r.header("X-Frame-Options")).as(path).isEqualTo("DENY");
        }
        for (String path : List.of("/", "/index.html", "/ui/app.js", "/ui/views/traces.js")) {
            var r = given().get(path).then().statusCode(200).extract();
            assertThat(r.header("Cache-Control")).as("Cache-Control of %s", path).isEqualTo("no-cache");
            String modified = r.header("Last-Modified");
            assertThat(modified).as("Last-Modified of %s", path).isNotBlank();
            given().header("If-Modified-Since", modified).get(path).then().statusCode(304);
        }
    }

    /**
     * No HTTP/2 in cleartext on the HTTP port: an HTTP/2 body need not announce its length, so it
     * could pass the byte budget's admission. A client asking for h2c gets HTTP/1.1.
     */
    @Test
    void noCleartextHttp2() throws Exception {
        var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://localhost:" + io.restassured.RestAssured.port + "/version")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
    }

    /** A deeply nested REST body is refused at parse time, before any walk over it. */
    @Test
    void deeplyNestedRestBodiesAreRefused() {
        String body = "{\"k\":".repeat(500) + "1" + "}".repeat(500);
        given().contentType("application/json").body(body).post("/api/2.0/mlflow/experiments/create").then()
                .statusCode(400).body("error_code", equalTo("MALFORMED_REQUEST"));
        String deep = "{\"name\":\"x\",\"tags\":[" + "[".repeat(100) + "]".repeat(100) + "]}";
        given().contentType("application/json").body(deep).post("/api/2.0/mlflow/experiments/create").then()
                .statusCode(400);
    }

    @Test
    void ingestAndSearchMetrics() {
        io.tracebridge.support.Traces.send("0", "metrics", null);
        String ok = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"0\"}}],"
                + "\"filter\":\"trace.status = 'OK'\",\"max_results\":1}";
        given().contentType("application/json").body(ok).post("/api/3.0/mlflow/traces/search").then().statusCode(200);
        String invalid = ok.replace("trace.status = 'OK'", "trace.status = ");
        given().contentType("application/json").body(invalid).post("/api/3.0/mlflow/traces/search").then().statusCode(400);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(count(metrics, "tracebridge_search_requests_seconds_count{outcome=\"ok\"")).isGreaterThanOrEqualTo(1);
        assertThat(count(metrics, "tracebridge_search_requests_seconds_count{outcome=\"invalid\"")).isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("tracebridge_search_results_count")
                .contains("tracebridge_ingest_requests_seconds_count{outcome=\"success\",transport=\"http\"")
                .contains("tracebridge_ingest_spans_stored_total{transport=\"http\"");
    }

    @Test
    void openApiDocumentsEveryRestEndpoint() throws Exception {
        JsonNode paths = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString()).get("paths");
        List<String> routes = io.tracebridge.support.Routes.jaxRs();
        assertThat(routes).hasSizeGreaterThan(20).contains("post /v1/traces", "post /api/{version}/mlflow/traces/search",
                "post /api/tracebridge/v1/feedback");
        for (String route : routes) {
            String[] mp = route.split(" ", 2);
            JsonNode op = paths.path(mp[1]).path(mp[0]);
            assertThat(op.isMissingNode()).as("OpenAPI documents %s", route).isFalse();
            assertThat(op.path("summary").asText()).as("summary of %s", route).isNotBlank();
        }
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger-ui"));
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}

package io.tracebridge.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Health, metrics and OpenAPI as Kubernetes and operators use them. */
@QuarkusTest
class OperationsEndpointsTest {
    private static final Map<Class<? extends Annotation>, String> HTTP_METHODS = Map.of(
            GET.class, "get", POST.class, "post", PUT.class, "put", PATCH.class, "patch", DELETE.class, "delete");

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

    @Test
    void searchMetricsCountOutcomes() {
        String ok = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"0\"}}],"
                + "\"filter\":\"trace.status = 'OK'\",\"max_results\":1}";
        given().contentType("application/json").body(ok).post("/api/3.0/mlflow/traces/search").then().statusCode(200);
        String invalid = ok.replace("trace.status = 'OK'", "trace.status = ");
        given().contentType("application/json").body(invalid).post("/api/3.0/mlflow/traces/search").then().statusCode(400);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(count(metrics, "tracebridge_search_requests_seconds_count{outcome=\"ok\"")).isGreaterThanOrEqualTo(1);
        assertThat(count(metrics, "tracebridge_search_requests_seconds_count{outcome=\"invalid\"")).isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("tracebridge_search_results_count").contains("tracebridge_ingest_requests_seconds");
    }

    @Test
    void openApiDocumentsEveryRestEndpoint() throws Exception {
        JsonNode paths = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString()).get("paths");
        List<String> routes = routes();
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

    /** Every JAX-RS resource method of the application, as "method /path" with OpenAPI's path syntax. */
    static List<String> routes() throws Exception {
        List<String> out = new ArrayList<>();
        java.nio.file.Path classes = java.nio.file.Path.of("target/classes");
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, OperationsEndpointsTest.class.getClassLoader());
                Path classPath = c.getAnnotation(Path.class);
                if (classPath == null) {
                    continue;
                }
                for (Method m : c.getDeclaredMethods()) {
                    for (var e : HTTP_METHODS.entrySet()) {
                        if (m.isAnnotationPresent(e.getKey())) {
                            Path mp = m.getAnnotation(Path.class);
                            String path = join(classPath.value(), mp == null ? "" : mp.value());
                            out.add(e.getValue().toLowerCase(Locale.ROOT) + " " + path);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String join(String a, String b) {
        String p = ("/" + a + "/" + b).replaceAll("/+", "/");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        // {name: regex} -> {name}
        return p.replaceAll("\\{\\s*([A-Za-z_]+)\\s*:[^}]*}", "{$1}");
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}

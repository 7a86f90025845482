package io.tracebridge.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.tracebridge.support.Routes;
import io.tracebridge.support.Db;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Authentication on: every route but health and version needs a token, scopes and experiment
 * limits hold on REST, OTLP/HTTP and OTLP/gRPC, and no token reaches the log.
 */
@QuarkusTest
@TestProfile(AuthTest.AuthOn.class)
class AuthTest {
    static final String READ = "tb_test_read_" + "0123456789";
    static final String WRITE = "tb_test_write_" + "0123456789";
    static final String ADMIN = "tb_test_admin_" + "0123456789";
    /** Write, limited to the Default experiment 0. */
    static final String LIMITED = "tb_test_limited_" + "0123456789";
    /** Admin, limited to an experiment other than 0 (one that need not exist). */
    static final String LIMITED_ADMIN = "tb_test_limited_admin_" + "0123456789";
    static final long LIMITED_ADMIN_EXPERIMENT = 424_242;
    /** Health, version, and the explorer's static files (no data: the page asks for a token). */
    static final Set<String> OPEN = Set.of("/version", "/health", "/q/health", "/q/health/live", "/q/health/ready",
            "/q/health/started", "/", "/ui/app.js");

    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.auth.enabled", "true",
                    "tracebridge.auth.tokens", "reader:read:" + TokenRegistry.sha256(READ)
                            + ";writer:write:" + TokenRegistry.sha256(WRITE)
                            + "\nadmin:admin:" + TokenRegistry.sha256(ADMIN)
                            + ";limited:ingest:" + TokenRegistry.sha256(LIMITED) + ":0"
                            + ";limited-admin:admin:" + TokenRegistry.sha256(LIMITED_ADMIN) + ":" + LIMITED_ADMIN_EXPERIMENT);
        }
    }

    /** Keeps the HTTP router so that the test can list its routes. */
    @Singleton
    static class RouterHolder {
        volatile Router router;

        void keep(@Observes Router router) {
            this.router = router;
        }
    }

    @Inject
    RouterHolder routerHolder;

    @Inject
    Pool pool;

    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                logged.add(r.getLoggerName() + " " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
                        + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void noTokenInTheLogs() {
        Logger.getLogger("").removeHandler(capture);
        synchronized (logged) {
            for (String line : logged) {
                for (String token : List.of(READ, WRITE, ADMIN, LIMITED, LIMITED_ADMIN)) {
                    assertThat(line).doesNotContain(token);
                }
            }
        }
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void noRouteIsOpenWithoutAToken() throws Exception {
        Set<String> paths = new TreeSet<>();
        for (String route : Routes.jaxRs()) {
            paths.add(route);
        }
        for (Route r : routerHolder.router.getRoutes()) {
            if (r.getPath() != null) {
                String method = r.methods() == null || r.methods().isEmpty() ? "get" : r.methods().iterator().next().name();
                paths.add(method.toLowerCase() + " " + r.getPath());
            }
        }
        // Extension endpoints and paths no route serves must be closed too.
        paths.addAll(List.of("get /q/metrics", "get /q/openapi", "get /q/swagger-ui/", "get /q/health/ready",
                "get /nothing/here", "post /api/2.0/mlflow/unknown", "get /q/health/../metrics", "get /", "get /ui/app.js",
                "post /", "put /ui/app.js", "get /ui/../q/metrics", "get /api/tracebridge/v1/analytics/sessions"));
        assertThat(paths).hasSizeGreaterThan(25);
        Set<String> open = new TreeSet<>();
        for (String route : paths) {
            String[] mp = route.split(" ", 2);
            String path = mp[1].replace("{version}", "3.0").replace("{trace_id}", "tr-00000000000000000000000000000000")
                    .replace("{assessment_id}", "a-0").replace("{path}", "0/traces/tr-0/artifacts/traces.json")
                    .replaceAll("\\{[^}]+}", "x").replaceAll("\\*$", "");
            int status = given().body("{}").contentType("application/json").request(mp[0].toUpperCase(), path)
                    .then().extract().statusCode();
            if (status != 401) {
                open.add(path);
            } else {
                given().body("{}").contentType("application/json").request(mp[0].toUpperCase(), path).then()
                        .header("WWW-Authenticate", "Bearer realm=\"tracebridge\"");
            }
        }
        assertThat(open).as("routes answering without a token").isSubsetOf(OPEN);
        // Every other spelling of a closed path, and open paths used as a way into closed ones.
        List<String> tricks = new ArrayList<>(List.of("/q/health/../metrics", "/q/health/..;/metrics",
                "/q/health/%2e%2e/metrics", "/q/health/%2E%2E/metrics", "/q/health/..%2fmetrics", "/q/health;/../metrics",
                "/version/../q/metrics", "/version;/../q/metrics", "/ui/../q/openapi", "/ui/..%2f..%2fq/metrics",
                "/ui/%2e%2e/q/metrics", "/health/../api/2.0/mlflow/experiments/search", "//q/metrics", "/q//metrics",
                "/Q/METRICS", "/q/Metrics", "/q/metrics;x=1", "/q/openapi;", "/ui/../api/2.0/mlflow/experiments/get?experiment_id=0"));
        for (String route : paths) {
            String path = route.split(" ", 2)[1].replace("{version}", "3.0").replaceAll("\\{[^}]+}", "x").replaceAll("\\*$", "");
            if (!OPEN.contains(path)) {
                tricks.addAll(variants(path));
            }
        }
        for (String path : tricks) {
            for (String method : List.of("GET", "POST")) {
                int status = given().urlEncodingEnabled(false).body("{}").contentType("application/json")
                        .request(method, path).then().extract().statusCode();
                assertThat(status).as("%s %s without a token", method, path).isIn(400, 401, 404, 405);
            }
        }
        assertThat(open).contains("/version", "/q/health/ready");
        for (String p : OPEN) {
            given().get(p).then().statusCode(200);
        }
    }

    /**
     * The role is decided on the route that matched, so no spelling of a path gets a request past
     * it: matrix parameters (";", ";jsessionid=1", ";x=1" on any segment), a trailing or doubled
     * slash, "." and ".." segments, percent-encoded letters and slashes, and other letter case.
     * A token below a route's role never gets a 2xx on any of them, and no token gets 401.
     */
    @Test
    void noSpellingOfARouteGetsPastItsRole() throws Exception {
        Map<String, String> tokenOfRole = Map.of(Roles.READ, READ, Roles.WRITE, WRITE);
        int checked = 0;
        // The experiment lifecycle routes are among those tried, each with its role.
        Map<String, String> roleOf = new java.util.HashMap<>();
        for (Routes.Endpoint e : Routes.endpoints()) {
            var ra = e.method().getAnnotation(jakarta.annotation.security.RolesAllowed.class);
            roleOf.put(e.toString(), ra == null ? null : ra.value()[0]);
        }
        assertThat(roleOf).contains(
                Map.entry("post /api/{version}/mlflow/experiments/delete", Roles.ADMIN),
                Map.entry("post /api/{version}/mlflow/experiments/restore", Roles.ADMIN),
                Map.entry("post /api/{version}/mlflow/experiments/update", Roles.WRITE),
                Map.entry("post /api/{version}/mlflow/experiments/set-experiment-tag", Roles.WRITE),
                Map.entry("post /api/{version}/mlflow/experiments/delete-experiment-tag", Roles.WRITE));
        for (Routes.Endpoint e : Routes.endpoints()) {
            jakarta.annotation.security.RolesAllowed roles = e.method().getAnnotation(jakarta.annotation.security.RolesAllowed.class);
            if (roles == null) {
                continue;
            }
            Scope needed = Scope.ofRole(roles.value()[0]);
            List<String> weaker = new ArrayList<>();
            for (Scope s : Scope.values()) {
                if (!s.includes(needed)) {
                    weaker.add(tokenOfRole.get(s.role()));
                }
            }
            String path = concrete(e.path());
            for (String variant : variants(path)) {
                int anonymous = raw(null).request(e.verb().toUpperCase(), variant).then().extract().statusCode();
                assertThat(anonymous).as("%s %s without a token", e.verb(), variant).isEqualTo(401);
                for (String token : weaker) {
                    int status = raw(token).request(e.verb().toUpperCase(), variant).then().extract().statusCode();
                    assertThat(status).as("%s %s with a token below %s", e.verb(), variant, needed)
                            .isIn(variant.equals(path) ? List.of(403) : List.of(403, 404, 405));
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(100);
    }

    /** The reported attack: a write token deleting traces through path parameters. */
    @Test
    void aWriteTokenCannotDeleteTracesThroughPathParameters() {
        String exp = createExperiment(WRITE);
        Sent written = send(http(WRITE, exp));
        assertThat(written.ok).isTrue();
        String delete = "{\"experiment_id\":\"" + exp + "\",\"request_ids\":[\"" + written.traceId + "\"]}";
        for (String variant : variants("/api/2.0/mlflow/traces/delete-traces")) {
            int status = raw(WRITE).body(delete).post(variant).then().extract().statusCode();
            assertThat(status).as("POST %s with a write token", variant).isIn(403, 404, 405);
        }
        Map<String, Integer> reported = new java.util.TreeMap<>();
        for (String variant : List.of("/api/2.0/mlflow/traces/delete-traces;", "/api/2.0/mlflow/traces/delete-traces;jsessionid=1",
                "/api/2.0/mlflow/traces;x=1/delete-traces")) {
            var answer = raw(WRITE).body(delete).post(variant).then().extract();
            reported.put(variant, answer.statusCode());
            if (answer.statusCode() == 403) {
                assertThat(answer.jsonPath().getString("error_code")).isEqualTo("PERMISSION_DENIED");
                assertThat(answer.jsonPath().getString("message"))
                        .isEqualTo("Token 'writer' has scope write; this request needs admin");
            }
        }
        assertThat(reported).as("the reported spellings").containsOnly(
                Map.entry("/api/2.0/mlflow/traces/delete-traces;", 403),
                Map.entry("/api/2.0/mlflow/traces/delete-traces;jsessionid=1", 403),
                Map.entry("/api/2.0/mlflow/traces;x=1/delete-traces", 403));
        as(READ).get("/api/3.0/mlflow/traces/" + written.traceId).then().statusCode(200);
        // The same spelling with an admin token reaches the route: the variants above were refused
        // by the role, not by a path that matched nothing.
        raw(ADMIN).body(delete).post("/api/2.0/mlflow/traces/delete-traces;jsessionid=1").then().statusCode(200)
                .body("traces_deleted", equalTo(1));
    }

    private static RequestSpecification raw(String token) {
        RequestSpecification r = given().urlEncodingEnabled(false).contentType("application/json").body("{}");
        return token == null ? r : r.header("Authorization", "Bearer " + token);
    }

    private static String concrete(String template) {
        return template.replace("{version}", "3.0").replace("{trace_id}", "tr-00000000000000000000000000000000")
                .replace("{assessment_id}", "a-0").replace("{path}", "0/traces/tr-0/artifacts/traces.json")
                .replaceAll("\\{[^}]+}", "x");
    }

    /** Spellings of a path that a router may take for the same route. */
    static List<String> variants(String path) {
        List<String> out = new ArrayList<>(List.of(path, path + ";", path + ";jsessionid=1", path + "/", "/" + path,
                path + "/.", path + "/x/..", "/./" + path.substring(1)));
        String[] seg = path.substring(1).split("/");
        for (int k = 0; k < seg.length; k++) {
            String[] copy = seg.clone();
            copy[k] = copy[k] + ";x=1";
            out.add("/" + String.join("/", copy));
        }
        String last = seg[seg.length - 1];
        String head = path.substring(0, path.length() - last.length());
        out.add(head + last.toUpperCase(java.util.Locale.ROOT));
        out.add(head + Character.toUpperCase(last.charAt(0)) + last.substring(1));
        out.add(head + "%" + Integer.toHexString(last.charAt(0)).toUpperCase(java.util.Locale.ROOT) + last.substring(1));
        out.add(head + last.replace("-", "%2D"));
        out.add(head.substring(0, head.length() - 1) + "%2F" + last);
        out.add(head.substring(0, head.length() - 1) + "%2f" + last);
        out.add(path.replace("/mlflow/", "/MLflow/"));
        out.add(path.replace("/api/", "/%61pi/"));
        return out.stream().distinct().toList();
    }

    @Test
    void restErrorsAreMlflowJson() {
        given().get("/api/2.0/mlflow/experiments/get?experiment_id=0").then().statusCode(401)
                .body("error_code", equalTo("UNAUTHENTICATED"))
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("frame-ancestors 'none'"));
        as("tb_wrong").get("/api/2.0/mlflow/experiments/get?experiment_id=0").then().statusCode(401)
                .body("error_code", equalTo("UNAUTHENTICATED"));
        given().header("Authorization", READ).get("/api/2.0/mlflow/experiments/get?experiment_id=0").then()
                .statusCode(401);
        as(READ).get("/api/2.0/mlflow/experiments/get?experiment_id=0").then().statusCode(200);
        as(READ).get("/q/metrics").then().statusCode(200);
        as(READ).contentType("application/json").body("{\"name\":\"x-" + UUID.randomUUID() + "\"}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(403)
                .body("error_code", equalTo("PERMISSION_DENIED"));
    }

    @Test
    void scopesOnRestAndOtlpHttp() throws Exception {
        String exp = createExperiment(WRITE);
        String search = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\"" + exp
                + "\"}}],\"max_results\":10}";
        // Ingest needs write.
        Sent read = send(http(READ, exp));
        assertThat(read.ok).isFalse();
        Sent nobody = send(http(null, exp));
        assertThat(nobody.ok).isFalse();
        Sent written = send(http(WRITE, exp));
        assertThat(written.ok).isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = ANY($1)",
                (Object) new String[] {read.traceId, nobody.traceId})).isZero();
        // OTLP/HTTP answers with a google.rpc.Status in the request's encoding.
        given().contentType("application/json").body("{}").post("/v1/traces").then().statusCode(401)
                .contentType("application/json").body("code", equalTo(16));
        as(READ).contentType("application/json").body("{}").post("/v1/traces").then().statusCode(403)
                .body("code", equalTo(7));
        // Reading and searching need read.
        as(READ).contentType("application/json").body(search).post("/api/3.0/mlflow/traces/search").then()
                .statusCode(200).body("traces[0].trace_id", equalTo(written.traceId));
        as(READ).get("/api/3.0/mlflow/traces/" + written.traceId).then().statusCode(200);
        // Feedback needs write; deleting traces needs admin.
        String feedback = "{\"assessment\":{\"assessment_name\":\"ok\",\"trace_id\":\"" + written.traceId
                + "\",\"source\":{\"source_type\":\"HUMAN\",\"source_id\":\"u\"},\"feedback\":{\"value\":true}}}";
        as(READ).contentType("application/json").body(feedback)
                .post("/api/3.0/mlflow/traces/" + written.traceId + "/assessments").then().statusCode(403);
        as(WRITE).contentType("application/json").body(feedback)
                .post("/api/3.0/mlflow/traces/" + written.traceId + "/assessments").then().statusCode(200);
        String delete = "{\"experiment_id\":\"" + exp + "\",\"request_ids\":[\"" + written.traceId + "\"]}";
        as(WRITE).contentType("application/json").body(delete).post("/api/2.0/mlflow/traces/delete-traces").then()
                .statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
        as(ADMIN).contentType("application/json").body(delete).post("/api/2.0/mlflow/traces/delete-traces").then()
                .statusCode(200).body("traces_deleted", equalTo(1));
    }

    @Test
    void otlpGrpcNeedsAWriteToken() throws Exception {
        String exp = createExperiment(WRITE);
        Sent nobody = send(grpc(null, exp));
        Sent read = send(grpc(READ, exp));
        Sent written = send(grpc(WRITE, exp));
        assertThat(nobody.ok).isFalse();
        assertThat(read.ok).isFalse();
        assertThat(written.ok).isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", written.traceId)).isEqualTo(2);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = ANY($1)",
                (Object) new String[] {read.traceId, nobody.traceId})).isZero();
    }

    @Test
    void aTokenLimitedToAnExperimentStaysInIt() throws Exception {
        String other = createExperiment(WRITE);
        Sent inOther = send(http(WRITE, other));
        assertThat(inOther.ok).isTrue();

        assertThat(send(http(LIMITED, other)).ok).as("OTLP/HTTP into another experiment").isFalse();
        assertThat(send(grpc(LIMITED, other)).ok).as("OTLP/gRPC into another experiment").isFalse();
        Sent own = send(grpc(LIMITED, "0"));
        assertThat(own.ok).isTrue();
        as(LIMITED).get("/api/3.0/mlflow/traces/" + own.traceId).then().statusCode(200);

        as(LIMITED).get("/api/3.0/mlflow/traces/" + inOther.traceId).then().statusCode(403)
                .body("error_code", equalTo("PERMISSION_DENIED"));
        as(LIMITED).get("/api/3.0/mlflow/traces/get?trace_id=" + inOther.traceId).then().statusCode(403);
        as(LIMITED).get("/api/3.0/mlflow/traces/batchGet?trace_ids=" + inOther.traceId).then().statusCode(403);
        as(LIMITED).get("/api/2.0/mlflow/experiments/get?experiment_id=" + other).then().statusCode(403);
        as(LIMITED).contentType("application/json").body("{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\","
                + "\"mlflow_experiment\":{\"experiment_id\":\"" + other + "\"}}]}")
                .post("/api/3.0/mlflow/traces/search").then().statusCode(403);
        as(LIMITED).contentType("application/json").body("{\"key\":\"k\",\"value\":\"v\"}")
                .patch("/api/2.0/mlflow/traces/" + inOther.traceId + "/tags").then().statusCode(403);
        as(LIMITED).contentType("application/json").body("{\"assessment\":{\"assessment_name\":\"ok\",\"trace_id\":\""
                        + inOther.traceId + "\",\"source\":{\"source_type\":\"HUMAN\",\"source_id\":\"u\"},"
                        + "\"feedback\":{\"value\":true}}}")
                .post("/api/3.0/mlflow/traces/" + inOther.traceId + "/assessments").then().statusCode(403);
        as(LIMITED).contentType("application/json").body("{\"name\":\"x-" + UUID.randomUUID() + "\"}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(403);
        // traces.json into another experiment: refused before anything is looked up, so the
        // answer does not tell whether that experiment holds the trace.
        for (String trace : List.of(inOther.traceId, "tr-" + "0".repeat(31) + "1")) {
            as(LIMITED).contentType("application/json").body("{\"spans\":[]}")
                    .put("/api/2.0/mlflow-artifacts/artifacts/" + other + "/traces/" + trace + "/artifacts/traces.json")
                    .then().statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
        }
        as(LIMITED).contentType("application/json").body("{\"name\":\"f\",\"value\":true}")
                .post("/api/tracebridge/v1/feedback?client_request_id=r").then().statusCode(403);
        List<String> visible = as(LIMITED).contentType("application/json").body("{\"max_results\":1000}")
                .post("/api/2.0/mlflow/experiments/search").then().statusCode(200)
                .extract().jsonPath().getList("experiments.experiment_id");
        assertThat(visible).containsExactly("0");
        // The explorer's picker lists only the token's experiments; export refuses another one,
        // also among several.
        assertThat(as(LIMITED).get("/api/tracebridge/v1/analytics/experiments").then().statusCode(200)
                .extract().jsonPath().getList("experiments.experiment_id")).containsExactly("0");
        as(LIMITED).get("/api/tracebridge/v1/traces/export?experiment_id=" + other).then().statusCode(403)
                .body("error_code", equalTo("PERMISSION_DENIED"));
        as(LIMITED).get("/api/tracebridge/v1/traces/export?experiment_id=0&experiment_id=" + other).then().statusCode(403);
        // The users and sessions lists, sorted or not, are the token's experiments' only.
        for (String list : new String[] {"users", "sessions"}) {
            for (String order : new String[] {"", "cost DESC"}) {
                as(LIMITED).queryParam("experiment_id", other).queryParam("order_by", order)
                        .get("/api/tracebridge/v1/analytics/" + list)
                        .then().statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
                as(LIMITED).queryParam("experiment_id", "0").queryParam("order_by", order)
                        .get("/api/tracebridge/v1/analytics/" + list).then().statusCode(200);
            }
        }
        String ownExport = as(LIMITED).get("/api/tracebridge/v1/traces/export?experiment_id=0").then().statusCode(200)
                .extract().asString();
        assertThat(ownExport).contains(own.traceId).doesNotContain(inOther.traceId);
        // Nothing of the refused requests changed the other experiment's trace.
        as(READ).get("/api/3.0/mlflow/traces/" + inOther.traceId).then().statusCode(200)
                .body("trace.trace_info.tags.k", org.hamcrest.Matchers.nullValue())
                .body("trace.trace_info.assessments", org.hamcrest.Matchers.empty());
    }

    /**
     * Experiment management: renaming and tags need write, deleting and restoring need admin (as
     * MLflow's auth asks for update and delete permission), and a token limited to some
     * experiments changes only those: one limited to another experiment cannot delete, restore,
     * rename or tag the Default experiment 0, whatever its scope.
     */
    @Test
    void experimentLifecycleNeedsItsRoleAndStaysInTheTokensExperiments() {
        String exp = createExperiment(WRITE);
        String id = "\"experiment_id\": \"" + exp + "\"";
        Map<String, String> ops = new java.util.LinkedHashMap<>();
        ops.put("delete", "{" + id + "}");
        ops.put("restore", "{" + id + "}");
        ops.put("update", "{" + id + ", \"new_name\": \"auth-renamed-" + UUID.randomUUID() + "\"}");
        ops.put("set-experiment-tag", "{" + id + ", \"key\": \"k\", \"value\": \"v\"}");
        ops.put("delete-experiment-tag", "{" + id + ", \"key\": \"k\"}");
        for (var op : ops.entrySet()) {
            lifecycle(READ, op.getKey(), op.getValue()).statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
            lifecycle(null, op.getKey(), op.getValue()).statusCode(401);
        }
        lifecycle(WRITE, "set-experiment-tag", ops.get("set-experiment-tag")).statusCode(200);
        lifecycle(WRITE, "delete-experiment-tag", ops.get("delete-experiment-tag")).statusCode(200);
        lifecycle(WRITE, "update", ops.get("update")).statusCode(200);
        lifecycle(WRITE, "delete", ops.get("delete")).statusCode(403)
                .body("message", equalTo("Token 'writer' has scope write; this request needs admin"));
        as(READ).get("/api/2.0/mlflow/experiments/get?experiment_id=" + exp).then().body("experiment.lifecycle_stage",
                equalTo("active"));
        lifecycle(ADMIN, "delete", ops.get("delete")).statusCode(200);
        lifecycle(WRITE, "restore", ops.get("restore")).statusCode(403);
        lifecycle(ADMIN, "restore", ops.get("restore")).statusCode(200);

        // A write token limited to experiment 0 changes nothing in another experiment.
        for (var op : ops.entrySet()) {
            lifecycle(LIMITED, op.getKey(), op.getValue()).statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
        }
        // An admin token limited to another experiment cannot touch experiment 0.
        String zero = "\"experiment_id\": \"0\"";
        for (String op : List.of("delete", "restore", "update", "set-experiment-tag", "delete-experiment-tag")) {
            lifecycle(LIMITED_ADMIN, op, "{" + zero + ", \"new_name\": \"hijacked\", \"key\": \"k\", \"value\": \"v\"}")
                    .statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"))
                    .body("message", equalTo("Token 'limited-admin' may not access experiment 0"));
        }
        as(READ).get("/api/2.0/mlflow/experiments/get?experiment_id=0").then().statusCode(200)
                .body("experiment.lifecycle_stage", equalTo("active")).body("experiment.name", equalTo("Default"))
                .body("experiment.tags", org.hamcrest.Matchers.empty());
        // Within its own experiment a limited token has its scope's rights.
        lifecycle(LIMITED, "set-experiment-tag", "{" + zero + ", \"key\": \"owner\", \"value\": \"limited\"}").statusCode(200);
        lifecycle(LIMITED, "delete-experiment-tag", "{" + zero + ", \"key\": \"owner\"}").statusCode(200);
        lifecycle(LIMITED, "delete", "{" + zero + "}").statusCode(403)
                .body("message", equalTo("Token 'limited' has scope write; this request needs admin"));
    }

    private static io.restassured.response.ValidatableResponse lifecycle(String token, String op, String body) {
        RequestSpecification r = token == null ? given() : as(token);
        return r.contentType("application/json").body(body).post("/api/3.0/mlflow/experiments/" + op).then();
    }

    // ---------------------------------------------------------------------------------------

    private record Sent(String traceId, boolean ok) {
    }

    private static String createExperiment(String token) {
        return as(token).contentType("application/json").body("{\"name\":\"auth-" + UUID.randomUUID() + "\"}")
                .post("/api/2.0/mlflow/experiments/create").then().statusCode(200).extract().path("experiment_id");
    }

    private static io.opentelemetry.sdk.trace.export.SpanExporter http(String token, String exp) {
        var b = OtlpHttpSpanExporter.builder().setEndpoint(Otel.otlpHttpEndpoint()).setTimeout(20, TimeUnit.SECONDS)
                .addHeader("x-mlflow-experiment-id", exp);
        if (token != null) {
            b.addHeader("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private static io.opentelemetry.sdk.trace.export.SpanExporter grpc(String token, String exp) {
        var b = OtlpGrpcSpanExporter.builder().setEndpoint(Otel.otlpGrpcEndpoint()).setTimeout(20, TimeUnit.SECONDS)
                .addHeader("x-mlflow-experiment-id", exp).setRetryPolicy(null);
        if (token != null) {
            b.addHeader("authorization", "Bearer " + token);
        }
        return b.build();
    }

    /** One trace of a root and a child, sent with the real SDK exporter. */
    private static Sent send(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("auth").startSpan();
        try (io.opentelemetry.context.Scope ignored = root.makeCurrent()) {
            tracer.spanBuilder("child").startSpan().end();
        }
        root.end();
        List<SpanData> spans = rec.spans();
        boolean ok = Otel.send(exporter, spans);
        exporter.shutdown();
        return new Sent("tr-" + root.getSpanContext().getTraceId(), ok);
    }
}

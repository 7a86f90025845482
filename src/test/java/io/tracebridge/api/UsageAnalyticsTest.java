package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 19, point 3: the users and sessions lists give tokens, cost, latency percentiles and
 * errors per user and session, and sort by them. Traces sent with the real OTel SDK, priced by a
 * configured table (prefixes, the longest winning; an exact name):
 *
 * <pre>
 *   u1 sA 1000 ms  gpt-4o-2024-08-06       in 1000 out 500   $0.0075 (gpt-4o*)
 *   u1 sA 3000 ms  gpt-4o-mini-2024-07-18  in 2000 out 1000  $0.0009 (gpt-4o-mini*; LLM span in a later batch)
 *   u1 sB 2000 ms  local-llama, ERROR      in 100  out 50    unpriced
 *   u2 sC  500 ms  claude-x: an agent span reporting in 300 out 100, its LLM child the same: counted once, $0.0024
 *   u3 sD 4000 ms  no tokens
 * </pre>
 */
@QuarkusTest
@TestProfile(UsageAnalyticsTest.Prices.class)
class UsageAnalyticsTest {
    private static final String BASE = "/api/tracebridge/v1/analytics";
    private static final long T0 = 1_767_225_600_000L;

    public static class Prices implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.analytics.model-prices",
                    "gpt-4o*=2.50:10.00, gpt-4o-mini*=0.15:0.60, claude-x=3:15");
        }
    }

    String exp;

    @BeforeEach
    void traffic() {
        exp = Experiments.create("usage");
        send(trace("u1", "sA", 0, 1000, false, List.of(new Llm("gpt-4o-2024-08-06", 1000, 500))), false);
        send(trace("u1", "sA", 10_000, 3000, false, List.of(new Llm("gpt-4o-mini-2024-07-18", 2000, 1000))), true);
        send(trace("u1", "sB", 20_000, 2000, true, List.of(new Llm("local-llama", 100, 50))), false);
        send(agentTrace("u2", "sC", 30_000, 500), false);
        send(trace("u3", "sD", 40_000, 4000, false, List.of()), false);
    }

    record Llm(String model, long in, long out) {
    }

    /** A root span of the user and session lasting {@code durationMs}, with one LLM child per call. */
    private static List<SpanData> trace(String user, String session, long offsetMs, long durationMs, boolean error,
                                        List<Llm> calls) {
        RecordingExporter rec = new RecordingExporter();
        var provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        long start = T0 + offsetMs;
        Span root = tracer.spanBuilder("chat").setStartTimestamp(start, TimeUnit.MILLISECONDS).startSpan();
        root.setAttribute("mlflow.trace.user", user);
        root.setAttribute("mlflow.trace.session", session);
        try (Scope ignored = root.makeCurrent()) {
            for (Llm c : calls) {
                Span llm = tracer.spanBuilder("llm").setStartTimestamp(start + 10, TimeUnit.MILLISECONDS).startSpan();
                llm.setAttribute("gen_ai.request.model", c.model().replaceAll("-20\\d\\d-\\d\\d-\\d\\d$", ""));
                llm.setAttribute("gen_ai.response.model", c.model());
                llm.setAttribute("gen_ai.usage.input_tokens", c.in());
                llm.setAttribute("gen_ai.usage.output_tokens", c.out());
                llm.end(start + durationMs - 10, TimeUnit.MILLISECONDS);
            }
        }
        if (error) {
            root.setStatus(StatusCode.ERROR, "failed");
        }
        root.end(start + durationMs, TimeUnit.MILLISECONDS);
        provider.close();
        return rec.spans();
    }

    /** An agent span that reports its LLM child's counts again (MLflow's own attribute), and the child. */
    private static List<SpanData> agentTrace(String user, String session, long offsetMs, long durationMs) {
        RecordingExporter rec = new RecordingExporter();
        var provider = Otel.recordingProvider(rec, Attributes.empty());
        Tracer tracer = Otel.tracer(provider);
        long start = T0 + offsetMs;
        Span root = tracer.spanBuilder("agent").setStartTimestamp(start, TimeUnit.MILLISECONDS).startSpan();
        root.setAttribute("mlflow.trace.user", user);
        root.setAttribute("mlflow.trace.session", session);
        root.setAttribute("mlflow.chat.tokenUsage", "{\"input_tokens\": 300, \"output_tokens\": 100, \"total_tokens\": 400}");
        root.setAttribute("mlflow.llm.model", "\"claude-x\"");
        try (Scope ignored = root.makeCurrent()) {
            Span llm = tracer.spanBuilder("llm").setStartTimestamp(start + 10, TimeUnit.MILLISECONDS).startSpan();
            llm.setAttribute("gen_ai.response.model", "claude-x");
            llm.setAttribute("gen_ai.usage.input_tokens", 300L);
            llm.setAttribute("gen_ai.usage.output_tokens", 100L);
            llm.end(start + durationMs - 10, TimeUnit.MILLISECONDS);
        }
        root.end(start + durationMs, TimeUnit.MILLISECONDS);
        provider.close();
        return rec.spans();
    }

    /** Sends the trace's spans in one batch, or the children in a second batch after the root. */
    private void send(List<SpanData> spans, boolean inTwoBatches) {
        var exporter = Otel.httpExporter(exp, null);
        if (!inTwoBatches) {
            assertThat(Otel.send(exporter, spans)).isTrue();
            return;
        }
        List<SpanData> roots = new ArrayList<>();
        List<SpanData> children = new ArrayList<>();
        spans.forEach(s -> (s.getParentSpanContext().isValid() ? children : roots).add(s));
        assertThat(Otel.send(exporter, roots)).isTrue();
        assertThat(Otel.send(exporter, children)).isTrue();
    }

    private JsonPath get(String list, String orderBy) {
        var req = given().queryParam("experiment_id", exp);
        if (orderBy != null) {
            req.queryParam("order_by", orderBy);
        }
        return req.get(BASE + "/" + list).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void usersHaveTokensCostLatencyAndErrors() {
        JsonPath j = get("users", null);
        assertThat(j.getList("users.user_id")).containsExactly("u3", "u2", "u1");
        Map<String, Object> u1 = j.getMap("users[2]");
        assertThat(u1).containsEntry("traces", 3).containsEntry("error_count", 1)
                .containsEntry("input_tokens", 3100).containsEntry("output_tokens", 1550).containsEntry("total_tokens", 4650)
                .containsEntry("unpriced_tokens", 150);
        assertThat(j.getDouble("users[2].cost")).isCloseTo(0.0084, within(1e-12));
        assertThat(j.getDouble("users[2].p50_latency_ms")).isEqualTo(2000.0);
        assertThat(j.getDouble("users[2].p95_latency_ms")).isCloseTo(2900.0, within(1e-9));

        // The agent's own report and its LLM child's are the same tokens: counted once, priced by the exact name.
        assertThat(j.getInt("users[1].total_tokens")).isEqualTo(400);
        assertThat(j.getDouble("users[1].cost")).isCloseTo(0.0024, within(1e-12));
        assertThat(j.getInt("users[1].unpriced_tokens")).isZero();
        assertThat(j.getDouble("users[1].p95_latency_ms")).isEqualTo(500.0);

        // No tokens: zero counts and no cost, not a cost of zero.
        assertThat(j.getMap("users[0]")).containsEntry("total_tokens", 0).containsEntry("cost", null)
                .containsEntry("unpriced_tokens", 0).containsEntry("error_count", 0);
        assertThat(j.getDouble("users[0].p95_latency_ms")).isEqualTo(4000.0);
    }

    @Test
    void sessionsHaveTokensCostLatencyAndErrors() {
        JsonPath j = get("sessions", null);
        assertThat(j.getList("sessions.session_id")).containsExactly("sD", "sC", "sB", "sA");
        assertThat(j.getMap("sessions[3]")).containsEntry("turns", 2).containsEntry("total_tokens", 4500)
                .containsEntry("unpriced_tokens", 0).containsEntry("error_count", 0);
        assertThat(j.getDouble("sessions[3].cost")).isCloseTo(0.0084, within(1e-12));
        assertThat(j.getDouble("sessions[3].p95_latency_ms")).isCloseTo(2900.0, within(1e-9));
        // Only unpriced tokens: no cost, the tokens counted as unpriced.
        assertThat(j.getMap("sessions[2]")).containsEntry("error_count", 1).containsEntry("total_tokens", 150)
                .containsEntry("unpriced_tokens", 150).containsEntry("cost", null);
    }

    @Test
    void usersAndSessionsSortByEachColumnBothWays() {
        assertThat(get("users", "cost").getList("users.user_id")).containsExactly("u1", "u2", "u3");
        assertThat(get("users", "cost ASC").getList("users.user_id")).as("no cost last either way")
                .containsExactly("u2", "u1", "u3");
        assertThat(get("users", "p95_latency_ms DESC").getList("users.user_id")).containsExactly("u3", "u1", "u2");
        assertThat(get("users", "total_tokens").getList("users.user_id")).containsExactly("u1", "u2", "u3");
        assertThat(get("users", "traces").getList("users.user_id")).as("ties by ID, same direction")
                .containsExactly("u1", "u3", "u2");
        assertThat(get("users", "error_count asc").getList("users.user_id")).containsExactly("u2", "u3", "u1");
        assertThat(get("users", "last_activity ASC").getList("users.user_id")).containsExactly("u1", "u2", "u3");
        assertThat(get("sessions", "turns DESC").getList("sessions.session_id")).containsExactly("sA", "sD", "sC", "sB");
        assertThat(get("sessions", "cost").getList("sessions.session_id")).containsExactly("sA", "sC", "sD", "sB");
        // The sorted rows carry the same numbers as the default list.
        JsonPath sorted = get("users", "cost");
        assertThat(sorted.getMap("users[0]")).containsEntry("user_id", "u1").containsEntry("total_tokens", 4650)
                .containsEntry("sessions", 2).containsEntry("error_count", 1);
        // Sessions of one user, sorted.
        JsonPath ofU1 = given().queryParam("experiment_id", exp).queryParam("user_id", "u1").queryParam("order_by", "cost")
                .get(BASE + "/sessions").then().statusCode(200).extract().jsonPath();
        assertThat(ofU1.getList("sessions.session_id")).containsExactly("sA", "sB");
    }

    @Test
    void aSortedListPagesByTokenAndATokenIsBoundToItsOrder() {
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var req = given().queryParam("experiment_id", exp).queryParam("order_by", "cost").queryParam("max_results", 1);
            if (token != null) {
                req.queryParam("page_token", token);
            }
            JsonPath j = req.get(BASE + "/users").then().statusCode(200).extract().jsonPath();
            seen.addAll(j.getList("users.user_id"));
            token = j.getString("next_page_token");
            pages++;
        } while (token != null && pages < 10);
        assertThat(seen).containsExactly("u1", "u2", "u3");

        String first = given().queryParam("experiment_id", exp).queryParam("order_by", "cost").queryParam("max_results", 1)
                .get(BASE + "/users").then().extract().path("next_page_token");
        given().queryParam("experiment_id", exp).queryParam("order_by", "traces").queryParam("page_token", first)
                .get(BASE + "/users").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("order changed"));
        given().queryParam("experiment_id", exp).queryParam("page_token", first)
                .get(BASE + "/users").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        // A forged offset token with the default list's fingerprint is refused too, not read as a keyset.
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"o\":1,\"q\":\"USER|" + new io.tracebridge.analytics.TimeRange(Long.parseLong(exp), null, null) + "|null\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        given().queryParam("experiment_id", exp).queryParam("page_token", forged)
                .get(BASE + "/users").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }

    @Test
    void anUnknownOrderIsRefusedNamingTheColumns() {
        for (String bad : new String[] {"cost; DROP TABLE traces", "p99", "cost UP", "cost DESC extra", "user_id"}) {
            given().queryParam("experiment_id", exp).queryParam("order_by", bad).get(BASE + "/users")
                    .then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", containsString("p95_latency_ms"));
        }
    }
}

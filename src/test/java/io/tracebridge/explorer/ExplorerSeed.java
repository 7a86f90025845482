package io.tracebridge.explorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.tracebridge.support.Traces;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The conversations the trace explorer's browser test ({@link ExplorerBrowserIT}) reads, sent
 * to a running Tracebridge with the real OTel SDK over OTLP/HTTP, feedback through the REST API.
 * {@link DevSeed} sends the same to a development service, plus {@link #background} traffic.
 */
public final class ExplorerSeed {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** What was seeded: the values the browser test looks for. */
    public record Seed(String experimentId, String experimentName, String userId, String sessionId,
                       String clientRequestId, String traceName, int turns, String appVersion, String feedbackName,
                       List<String> questions) {
        public ObjectNode toJson() {
            return JSON.valueToTree(this);
        }
    }

    /**
     * The prices the browser test's service runs with, and what the seeded LLM calls report: a
     * turn of the session under test costs (1000 x 0.15 + 200 x 0.60) / 1e6 = $0.00027, an
     * older one (4000 x 2.50 + 1000 x 10.00) / 1e6 = $0.02.
     */
    public static final String MODEL_PRICES = "gpt-4o*=2.50:10.00,gpt-4o-mini*=0.15:0.60";
    static final Traces.Llm SMALL_MODEL = new Traces.Llm("gpt-4o-mini-2024-07-18", 1000, 200);
    static final Traces.Llm LARGE_MODEL = new Traces.Llm("gpt-4o-2024-08-06", 4000, 1000);

    private final String base;
    private final String token;

    /** {@code token}: a write token, or empty when the service has authentication off. */
    public ExplorerSeed(String base, String token) {
        this.base = base.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
    }

    /**
     * A new experiment holding the session under test (three turns of one user, the first with
     * a thumbs-up, ending a minute before {@code nowMs}) and six older traces of other users and
     * sessions on another app version, one of them an error with a thumbs-down.
     */
    public Seed seed(long nowMs) throws Exception {
        String name = "ui-explorer-" + System.nanoTime();
        String exp = JSON.readTree(post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
        OtlpHttpSpanExporter exporter = exporter(exp);
        long now = nowMs - 60_000;
        try {
            // The session under test: three turns of one user; the first already has a thumbs-up.
            List<String> questions = List.of("How do I reset my password?", "The reset link expired, what now?",
                    "Thanks, can I change my email too?");
            String firstTrace = null;
            for (int i = 0; i < questions.size(); i++) {
                String id = Traces.turn(exporter, new Traces.Turn("chat", "ui-user-1", "ui-session-1", "ui-req-" + (i + 1),
                        now - 600_000 + i * 60_000L, questions.get(i), "Answer " + (i + 1) + ": use the account page",
                        Map.of("app_version", "2.1", "environment", "production"), false, SMALL_MODEL));
                if (i == 0) {
                    firstTrace = id;
                }
            }
            feedback(firstTrace, true, "ui-user-1", "Clear steps");
            // Other users and sessions, older, on another version, one with an error and a thumbs-down.
            for (int i = 0; i < 6; i++) {
                String id = Traces.turn(exporter, new Traces.Turn("chat", "ui-user-" + (2 + i % 3), "ui-session-" + (2 + i % 2),
                        "ui-other-" + i, now - 3_600_000 + i * 60_000L, "Other question " + i, "Other answer " + i,
                        Map.of("app_version", "2.0", "environment", "staging"), i == 4, LARGE_MODEL));
                if (i == 4) {
                    feedback(id, false, "ui-user-3", "Tool failed");
                }
            }
            return new Seed(exp, name, "ui-user-1", "ui-session-1", "ui-req-2", "chat", questions.size(), "2.1",
                    "user_feedback", questions);
        } finally {
            exporter.close();
        }
    }

    /**
     * Traffic of the last six days in the seeded experiment (other users and sessions, a few
     * errors, feedback on every other trace), so the dashboard's timeline has a line to show.
     */
    public void background(Seed seed, long nowMs) throws Exception {
        OtlpHttpSpanExporter exporter = exporter(seed.experimentId());
        try {
            List<String> questions = List.of("Where is my order?", "Can I change the delivery address?", "Do you ship abroad?",
                    "How do refunds work?");
            for (int i = 0; i < 24; i++) {
                int day = i % 6;
                String id = Traces.turn(exporter, new Traces.Turn(i % 5 == 0 ? "search" : "chat", "bg-user-" + (i % 4),
                        "bg-session-" + (i % 7), "bg-req-" + i, nowMs - day * 86_400_000L - 3_600_000L - i * 611_000L,
                        questions.get(i % 4), "Answer " + i,
                        Map.of("app_version", i % 3 == 0 ? "2.0" : "2.1", "environment", i % 2 == 1 ? "production" : "staging"),
                        i % 9 == 4));
                if (i % 2 == 0) {
                    feedback(id, (i + day) % 3 != 0, "bg-user-" + (i % 4), i % 4 == 0 ? "Looks right" : null);
                }
            }
        } finally {
            exporter.close();
        }
    }

    /**
     * One trace to the Default experiment (experiment 0, where an exporter without an
     * experiment header sends), newer than everything seeded: the experiment a new user's
     * explorer opens on. Returns its trace ID.
     */
    public String defaultTraffic(long nowMs) throws Exception {
        return sendNow(null, nowMs);
    }

    /** One trace now to the experiment (null: Default, no header); returns its trace ID. */
    public String sendNow(String experimentId, long nowMs) throws Exception {
        OtlpHttpSpanExporter exporter = exporter(experimentId);
        try {
            return Traces.turn(exporter, new Traces.Turn("chat", "default-user", "default-session", "default-req-" + nowMs,
                    nowMs, "Hello", "Hi", Map.of(), false));
        } finally {
            exporter.close();
        }
    }

    private OtlpHttpSpanExporter exporter(String experimentId) {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
                .setTimeout(20, TimeUnit.SECONDS);
        if (experimentId != null) {
            b.addHeader("x-mlflow-experiment-id", experimentId);
        }
        if (!token.isEmpty()) {
            b.addHeader("authorization", "Bearer " + token);
        }
        return b.build();
    }

    private void feedback(String traceId, boolean value, String sourceId, String rationale) throws Exception {
        ObjectNode a = JSON.createObjectNode();
        ObjectNode assessment = a.putObject("assessment");
        assessment.put("assessment_name", "user_feedback");
        assessment.putObject("source").put("source_type", "HUMAN").put("source_id", sourceId);
        assessment.putObject("feedback").put("value", value);
        if (rationale != null) {
            assessment.put("rationale", rationale);
        }
        post("/api/3.0/mlflow/traces/" + traceId + "/assessments", a.toString());
    }

    /** A new experiment without traces; its ID. */
    public String experiment(String name) throws Exception {
        return JSON.readTree(post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private String post(String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }
}

package io.tracebridge.explorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.tracebridge.support.PackagedApp;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The trace explorer in a real browser: the packaged application with auth on, conversations
 * sent with the real OTel SDK, then {@code ui-tests/run.sh}: the unit tests of the explorer's modules
 * ({@code units.test.mjs}) and {@code explorer.test.mjs} (playwright-core driving
 * Debian's headless Chromium) filters, opens a trace, expands spans, gives feedback, opens a
 * session, the users view and the dashboard, and saves a screenshot of each view in
 * {@code target/ui-screenshots}. Uses the database {@code tracebridge_it}.
 */
class ExplorerBrowserIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String TOKEN = "tb_ui_test_write_0123456789abcdef";
    /** Seeded conversations end at this time: one minute ago, so the views' default ranges hold them. */
    private final long now = System.currentTimeMillis() - 60_000;

    private PackagedApp app;

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void explorerWorksInHeadlessChromium() throws Exception {
        assertThat(new File("/usr/bin/chromium")).as("Debian's chromium (scripts/test.sh installs it)").exists();
        Map<String, String> env = new HashMap<>(PackagedApp.db(
                System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1"),
                System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432"), DB,
                System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge"),
                System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge")));
        env.put("TRACEBRIDGE_AUTH_ENABLED", "true");
        env.put("TRACEBRIDGE_AUTH_TOKENS", "ui-test:write:" + sha256(TOKEN));
        app = PackagedApp.start("explorer", env, 0, 0);
        app.awaitReady(Duration.ofSeconds(90));
        String base = "http://127.0.0.1:" + app.httpPort;

        String name = "ui-explorer-" + System.nanoTime();
        String exp = JSON.readTree(post(base + "/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
                .addHeader("x-mlflow-experiment-id", exp).addHeader("authorization", "Bearer " + TOKEN)
                .setTimeout(20, TimeUnit.SECONDS).build();

        // The session under test: three turns of one user; the first already has a thumbs-up.
        List<String> questions = List.of("How do I reset my password?", "The reset link expired, what now?",
                "Thanks, can I change my email too?");
        String firstTrace = null;
        for (int i = 0; i < questions.size(); i++) {
            String id = Traces.turn(exporter, new Traces.Turn("chat", "ui-user-1", "ui-session-1", "ui-req-" + (i + 1),
                    now - 600_000 + i * 60_000L, questions.get(i), "Answer " + (i + 1) + ": use the account page",
                    Map.of("app_version", "2.1", "environment", "production"), false));
            if (i == 0) {
                firstTrace = id;
            }
        }
        post(base + "/api/3.0/mlflow/traces/" + firstTrace + "/assessments", """
                {"assessment": {"assessment_name": "user_feedback", "source": {"source_type": "HUMAN", "source_id": "ui-user-1"},
                  "feedback": {"value": true}, "rationale": "Clear steps"}}""");
        // Other users and sessions, older, on another version, one with an error and a thumbs-down.
        for (int i = 0; i < 6; i++) {
            String id = Traces.turn(exporter, new Traces.Turn("chat", "ui-user-" + (2 + i % 3), "ui-session-" + (2 + i % 2),
                    "ui-other-" + i, now - 3_600_000 + i * 60_000L, "Other question " + i, "Other answer " + i,
                    Map.of("app_version", "2.0", "environment", "staging"), i == 4));
            if (i == 4) {
                post(base + "/api/3.0/mlflow/traces/" + id + "/assessments", """
                        {"assessment": {"assessment_name": "user_feedback", "source": {"source_type": "HUMAN",
                          "source_id": "ui-user-3"}, "feedback": {"value": false}, "rationale": "Tool failed"}}""");
            }
        }

        ObjectNode seed = JSON.createObjectNode();
        seed.put("experimentId", exp).put("experimentName", name).put("userId", "ui-user-1")
                .put("sessionId", "ui-session-1").put("clientRequestId", "ui-req-2").put("traceName", "chat")
                .put("turns", questions.size()).put("appVersion", "2.1").put("feedbackName", "user_feedback");
        seed.putArray("questions").addAll(questions.stream().map(JSON.getNodeFactory()::textNode).toList());

        Path shots = Path.of("target/ui-screenshots").toAbsolutePath();
        Files.createDirectories(shots);
        Path log = Path.of("target/ui-tests.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "ui-tests/run.sh").redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("TB_BASE_URL", base);
        pb.environment().put("TB_EXPERIMENT_ID", exp);
        pb.environment().put("TB_SEED", seed.toString());
        pb.environment().put("TB_TOKEN", TOKEN);
        pb.environment().put("TB_SCREENSHOT_DIR", shots.toString());
        Process p = pb.start();
        boolean finished = p.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(finished).as("browser tests finished in 5 minutes:\n" + output).isTrue();
        assertThat(p.exitValue()).as("browser tests:\n" + output).isZero();
        for (String view : List.of("trace-list", "trace-detail", "session", "users", "dashboard")) {
            assertThat(shots.resolve(view + ".png")).as(view + " screenshot").isNotEmptyFile();
        }
    }

    private static String post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}

package io.tracebridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracebridge.support.PackagedApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's REST API examples work as written on a new install: every {@code sh} block from
 * "## REST API" up to "## Authentication", in order, run by bash against the packaged
 * application on an empty database (only the port differs from {@code localhost:5000}). Each
 * {@code curl} must get a 2xx answer, and the answers must show what the text promises (the
 * trace sent over OTLP is found by its client request ID, user and session; the feedback is
 * logged and read back). Needs {@code curl}, which scripts/test.sh installs. A block's command
 * spanning several lines is printed on one line before its answer, which the checks look up.
 */
class ReadmeExamplesIT {
    private static final String DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String HOST = System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1");
    private static final String PORT = System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432");
    private static final String USER = System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge");
    private static final String PASSWORD = System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge");
    private static final String TRACE = "tr-5b8efff798038103d269b633813fc60c";

    /**
     * Runs before the README's lines: a {@code curl} that fails the script on a non-2xx answer
     * and prints each answer on a line of its own, after a marker naming the command.
     */
    private static final String PRELUDE = """
            set -eu
            curl() {
              local out code
              out=$(command curl -sS -w '\\n%{http_code}' "$@") || { echo "curl failed: $*" >&2; return 1; }
              code=${out##*$'\\n'}
              printf '>>> %s\\n%s\\n' "$(printf '%s ' "$@" | tr '\\n' ' ')" "${out%$'\\n'*}"
              case "$code" in 2??) ;; *) echo "HTTP $code for: curl $*" >&2; return 1 ;; esac
            }
            """;

    private PackagedApp app;

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    static List<String> restApiBlocks(String readme) {
        int from = readme.indexOf("\n## REST API\n");
        int to = readme.indexOf("\n## Authentication\n");
        assertThat(from).as("README has a REST API section").isPositive();
        assertThat(to).as("README has an Authentication section after it").isGreaterThan(from);
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("\n```sh\n(.*?)\n```", Pattern.DOTALL).matcher(readme.substring(from, to));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void restApiExamplesWorkAsWrittenOnANewInstall() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> blocks = restApiBlocks(readme);
        assertThat(blocks).as("sh blocks in the REST API section").hasSizeGreaterThanOrEqualTo(6);
        String script = String.join("\n", blocks);
        assertThat(script).as("examples need nothing beyond bash, curl and sed").doesNotContain("python").doesNotContain("jq ");

        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/" + DB, USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
        app = PackagedApp.start("readme", PackagedApp.db(HOST, PORT, DB, USER, PASSWORD), 0, 0);
        app.awaitReady(Duration.ofSeconds(90));

        Path file = Path.of("target/readme-examples.sh");
        Files.writeString(file, PRELUDE + script.replace("localhost:5000", "127.0.0.1:" + app.httpPort) + "\n",
                StandardCharsets.UTF_8);
        Path log = Path.of("target/readme-examples.log");
        Process p = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(finished).as("examples finished:\n" + out).isTrue();
        assertThat(p.exitValue()).as("every example answered 2xx:\n" + out).isZero();

        assertThat(answer(out, "experiments/get?experiment_id=1")).contains("\"name\":\"chatbot\"");
        assertThat(answer(out, "experiments/set-experiment-tag")).isEqualTo("{}\n");
        assertThat(answer(out, "DELETED_ONLY")).as("the throwaway experiment, renamed and deleted")
                .contains("\"name\":\"scratch-old\"").contains("\"lifecycle_stage\":\"deleted\"")
                .doesNotContain("chatbot");
        assertThat(answer(out, "experiments/restore")).isEqualTo("{}\n");
        assertThat(answer(out, "/v1/traces")).doesNotContain("rejected");
        assertThat(answer(out, "batchGet")).contains(TRACE);
        assertThat(answer(out, "client_request_id = 'req-abc-123-xyz-789'")).contains(TRACE);
        assertThat(answer(out, "metadata.`mlflow.trace.user` =")).contains(TRACE);
        assertThat(answer(out, "tags.`mlflow.trace.session` =")).contains(TRACE);
        assertThat(answer(out, "trace.status = 'OK'")).contains(TRACE);
        assertThat(answer(out, "-X PATCH 127.0.0.1:" + app.httpPort + "/api/3.0/mlflow/traces/" + TRACE + "/assessments/a-"))
                .as("the assessment ID was taken from the log_feedback answer").contains("\"rationale\":\"Edited\"");
        assertThat(answer(out, "feedback?client_request_id=req-abc-123-xyz-789")).contains("Wrong password steps");
        assertThat(answer(out, "sessions/session-123")).contains(TRACE);
        assertThat(answer(out, "/version")).contains("3.6.0");
        assertThat(answer(out, "\"request_ids\"")).contains("\"traces_deleted\":1");
    }

    /** The answer printed after the first command containing {@code needle}. */
    private static String answer(String out, String needle) {
        for (String chunk : out.split("(?m)^>>> ")) {
            int nl = chunk.indexOf('\n');
            if (nl > 0 && chunk.substring(0, nl).contains(needle)) {
                return chunk.substring(nl + 1);
            }
        }
        throw new AssertionError("no command with '" + needle + "' in:\n" + out);
    }
}

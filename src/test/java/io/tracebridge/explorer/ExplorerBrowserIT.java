package io.tracebridge.explorer;

import static io.tracebridge.explorer.Browser.test;
import static io.tracebridge.explorer.Browser.withText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracebridge.support.PackagedApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trace explorer in a real browser: the packaged application with auth on, conversations
 * sent with the real OTel SDK ({@link ExplorerSeed}), then Debian's headless Chromium driven by
 * Selenium through Debian's chromedriver ({@link Browser}).
 * <ul>
 *   <li>Unit tests of the explorer's pure modules ({@code /ui/spans.js}, {@code /ui/format.js}),
 *       imported into the served page: span tree, message text, feedback polarity against the
 *       database's {@code tb_feedback_sign}, filter quoting, durations.</li>
 *   <li>The steps a user goes, in order in one tab: sign in, pick the experiment, filter, open a
 *       trace, expand spans, give feedback, open the session, the users and the dashboard, sign
 *       out; then no script errors and no request beyond the service. A screenshot of each main
 *       view goes to {@code target/ui-screenshots}. After a failed step the later ones are skipped.</li>
 * </ul>
 * Uses the database {@code tracebridge_it} ({@code TRACEBRIDGE_IT_DB_NAME}).
 * <p>
 * Against a running development service instead (for the README's screenshots):
 * {@code -Dtb.baseUrl=http://127.0.0.1:5000} (also seeds six days of background traffic),
 * {@code -Dtb.token=…} when it has authentication on, {@code -Dtb.screenshots=docs/screenshots};
 * the polarity test then reads the database {@code TRACEBRIDGE_DB_NAME} (default {@code tracebridge}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExplorerBrowserIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IT_DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String TOKEN = "tb_ui_test_write_0123456789abcdef";
    private static final List<String> VIEWS = List.of("trace-list", "trace-detail", "session", "users", "dashboard");

    private final String devService = System.getProperty("tb.baseUrl", "").replaceAll("/+$", "");
    private final Path shots = Path.of(System.getProperty("tb.screenshots", "target/ui-screenshots")).toAbsolutePath();
    private final String comment = "The link expired again (" + System.currentTimeMillis() + ")";

    private PackagedApp app;
    private Browser browser;
    private String base;
    private String token;
    private ExplorerSeed.Seed seed;
    private String userFilter;
    /** An experiment deleted before the browser starts: the picker must not offer it. */
    private String deletedExperiment;
    private String currentStep;
    private String failedStep;

    @BeforeAll
    void start() throws Exception {
        if (devService.isEmpty()) {
            Map<String, String> env = new HashMap<>(PackagedApp.db(dbHost(), dbPort(), IT_DB, dbUser(), dbPassword()));
            env.put("TRACEBRIDGE_AUTH_ENABLED", "true");
            env.put("TRACEBRIDGE_AUTH_TOKENS", "ui-test:write:" + sha256(TOKEN));
            env.put("TRACEBRIDGE_MODEL_PRICES", ExplorerSeed.MODEL_PRICES);
            app = PackagedApp.start("explorer", env, 0, 0);
            app.awaitReady(Duration.ofSeconds(90));
            base = "http://127.0.0.1:" + app.httpPort;
            token = TOKEN;
        } else {
            base = devService;
            token = System.getProperty("tb.token", "");
        }
        long now = System.currentTimeMillis();
        ExplorerSeed seeder = new ExplorerSeed(base, token);
        seed = seeder.seed(now);
        if (!devService.isEmpty()) {
            seeder.background(seed, now);
        }
        // The newest trace goes to Default: a first visit with no choice made opens there.
        seeder.defaultTraffic(System.currentTimeMillis());
        userFilter = "metadata.`mlflow.trace.user` = '" + seed.userId() + "'";
        // Deleted in the database: the explorer's token is a write token, and deleting needs admin.
        deletedExperiment = seeder.experiment("ui-deleted-" + System.nanoTime());
        try (Connection db = db(); PreparedStatement ps = db.prepareStatement(
                "UPDATE experiments SET lifecycle_stage = 'deleted' WHERE experiment_id = ?")) {
            ps.setLong(1, Long.parseLong(deletedExperiment));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        Files.createDirectories(shots);
        browser = Browser.start(Path.of("target/chromedriver.log"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    @BeforeEach
    void name(TestInfo info) {
        currentStep = info.getTestMethod().map(m -> m.getName()).orElse(info.getDisplayName());
    }

    // ==== Unit tests of the explorer's pure modules, imported into the served page ==============

    @Test
    @Order(1)
    @DisplayName("builds the span tree from base64 IDs, children by start time, offsets from the earliest start")
    void spanTree() throws Exception {
        JsonNode r = modules("""
                const t = buildTree([
                  span('00000000000000c2', '00000000000000a1', 3_000_000, 4_000_000),
                  span('00000000000000a1', null, 1_000_000, 9_000_000),
                  span('00000000000000b1', '00000000000000a1', 2_000_000, 2_500_000),
                  span('00000000000000d1', '00000000000000c2', 3_500_000, 3_600_000),
                ]);
                return {
                  roots: t.roots.length, rootId: t.roots[0].id, children: t.roots[0].children.map((s) => s.id),
                  totalMs: t.totalMs, c2OffsetMs: t.byId.get('00000000000000c2').offsetMs,
                  d1Depth: t.byId.get('00000000000000d1').depth,
                  all: visibleSpans(t.roots, new Set()).map((s) => s.id.slice(-2)),
                  c2Collapsed: visibleSpans(t.roots, new Set(['00000000000000c2'])).map((s) => s.id.slice(-2)),
                };""");
        assertJson(r, "roots", "1");
        assertJson(r, "rootId", "\"00000000000000a1\"");
        assertJson(r, "children", "[\"00000000000000b1\", \"00000000000000c2\"]");
        assertJson(r, "totalMs", "8");
        assertJson(r, "c2OffsetMs", "2");
        assertJson(r, "d1Depth", "2");
        assertJson(r, "all", "[\"a1\", \"b1\", \"c2\", \"d1\"]");
        assertJson(r, "c2Collapsed", "[\"a1\", \"b1\", \"c2\"]");
    }

    @Test
    @Order(2)
    @DisplayName("a span whose parent is missing is a root marked orphan; a parent cycle loses no span")
    void orphansAndCycles() throws Exception {
        JsonNode r = modules("""
                const orphan = buildTree([span('00000000000000a1', '00000000000000ff', 0, 1)]);
                const cycle = buildTree([span('00000000000000a1', '00000000000000b1', 0, 1),
                  span('00000000000000b1', '00000000000000a1', 0, 1)]);
                return { roots: orphan.roots.length, orphan: orphan.roots[0].orphan,
                  cycleVisible: visibleSpans(cycle.roots, new Set()).length };""");
        assertJson(r, "roots", "1");
        assertJson(r, "orphan", "true");
        assertJson(r, "cycleVisible", "2");
    }

    @Test
    @Order(3)
    @DisplayName("IDs, OTLP values and SDK-encoded attribute values")
    void idsAndValues() throws Exception {
        JsonNode r = modules("""
                return {
                  base64: idHex('AAAAAAAAAKE='), hex: idHex('00000000000000a1'),
                  int: anyValue({ int_value: '42' }), bigInt: anyValue({ int_value: '9007199254740993' }),
                  array: anyValue({ array_value: { values: [{ string_value: 'a' }, { bool_value: true }] } }),
                  string: decoded('"LLM"'), object: decoded('{"a": 1}'), plain: decoded('plain text'),
                };""");
        assertJson(r, "base64", "\"00000000000000a1\"");
        assertJson(r, "hex", "\"00000000000000a1\"");
        assertJson(r, "int", "42");
        assertJson(r, "bigInt", "\"9007199254740993\"");
        assertJson(r, "array", "[\"a\", true]");
        assertJson(r, "string", "\"LLM\"");
        assertJson(r, "object", "{\"a\": 1}");
        assertJson(r, "plain", "\"plain text\"");
    }

    @Test
    @Order(4)
    @DisplayName("the readable text of request and response previews")
    void messageTexts() throws Exception {
        JsonNode r = modules("""
                return {
                  lastUserMessage: messageText('{"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "Hi?"}]}'),
                  choice: messageText('{"choices": [{"message": {"role": "assistant", "content": "Hello"}}]}'),
                  field: messageText('{"question": "Why?"}'),
                  string: messageText('"just a string"'),
                  truncated: messageText('{"messages": [{"role": "us'),
                  noText: messageText('{"a": 1, "b": 2}'),
                  empty: messageText(''),
                };""");
        assertJson(r, "lastUserMessage", "\"Hi?\"");
        assertJson(r, "choice", "\"Hello\"");
        assertJson(r, "field", "\"Why?\"");
        assertJson(r, "string", "\"just a string\"");
        assertThat(r.path("truncated").textValue()).as("truncated JSON stays as text").isEqualTo("{\"messages\": [{\"role\": \"us");
        assertJson(r, "noText", "null");
        assertJson(r, "empty", "null");
    }

    @Test
    @Order(5)
    @DisplayName("feedback polarity uses the same lists as the database's tb_feedback_sign (migration V5)")
    void polarityMatchesTheDatabase() throws Exception {
        JsonNode r = modules("""
                const s = summarizeAssessments([
                  { assessment_name: 'r', feedback: { value: true } },
                  { assessment_name: 'r', feedback: { value: 'no' } },
                  { assessment_name: 'r', feedback: { value: true }, valid: false },
                  { assessment_name: 'score', feedback: { value: 0.5 } },
                  { assessment_name: 'score', feedback: { value: 1 } },
                  { assessment_name: 'e', expectation: { value: 'x' } },
                ]);
                return {
                  positive: [...POSITIVE], negative: [...NEGATIVE],
                  true: polarity(true), false: polarity(false), thumbsUp: polarity(' Thumbs_Up '),
                  number: polarity(0.5), maybe: polarity('maybe'),
                  summary: s.map((x) => [x.name, x.count, x.positive, x.negative, x.positive_share, x.mean]),
                };""");
        List<String> positive = strings(r.path("positive"));
        List<String> negative = strings(r.path("negative"));
        try (Connection db = db()) {
            // The function as the database has it (the migrations applied), its two lists.
            String definition;
            try (PreparedStatement ps = db.prepareStatement("SELECT pg_get_functiondef('tb_feedback_sign(text)'::regprocedure)");
                 ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("tb_feedback_sign in the database").isTrue();
                definition = rs.getString(1);
            }
            assertThat(positive).as("POSITIVE of format.js vs the 1 list of tb_feedback_sign")
                    .containsExactlyInAnyOrderElementsOf(sqlList(definition, "1"));
            assertThat(negative).as("NEGATIVE of format.js vs the -1 list of tb_feedback_sign")
                    .containsExactlyInAnyOrderElementsOf(sqlList(definition, "-1"));
            // And what the function answers for each of them.
            Map<String, Integer> signs = signs(db, positive, negative, List.of("maybe"));
            positive.forEach(v -> assertThat(signs.get(v)).as("tb_feedback_sign('%s')", v).isEqualTo(1));
            negative.forEach(v -> assertThat(signs.get(v)).as("tb_feedback_sign('%s')", v).isEqualTo(-1));
            assertThat(signs.get("maybe")).as("tb_feedback_sign('maybe')").isZero();
        }
        assertJson(r, "true", "\"positive\"");
        assertJson(r, "false", "\"negative\"");
        assertJson(r, "thumbsUp", "\"positive\"");
        assertJson(r, "number", "\"numeric\"");
        assertJson(r, "maybe", "\"other\"");
        assertJson(r, "summary", "[[\"r\", 2, 1, 1, 0.5, null], [\"score\", 2, 0, 0, null, 0.75]]");
    }

    @Test
    @Order(6)
    @DisplayName("filter quoting doubles quotes; durations parse and format")
    void quotingAndDurations() throws Exception {
        JsonNode r = modules("""
                return {
                  quote: quote("o'neil"), seconds: durationMs('1.840s'), number: durationMs(12), unparsable: durationMs('soon'),
                  ms: fmtDuration(812), s: fmtDuration(1840), minutes: fmtDuration(125_000), none: fmtDuration(null),
                };""");
        assertJson(r, "quote", "\"'o''neil'\"");
        assertJson(r, "seconds", "1840");
        assertJson(r, "number", "12");
        assertJson(r, "unparsable", "null");
        assertJson(r, "ms", "\"812 ms\"");
        assertJson(r, "s", "\"1.84 s\"");
        assertJson(r, "minutes", "\"2m 5s\"");
        assertJson(r, "none", "\"—\"");
    }

    @Test
    @Order(7)
    @DisplayName("the experiment picker's list: active experiments with trace counts, most recently active first")
    void experimentListIsActiveOnly() throws Exception {
        JsonNode r = modules("""
                const api = await import('/ui/api.js');
                const format = await import('/ui/format.js');
                const hadToken = api.getToken();
                if (!hadToken && %s) api.setToken(%s);
                try {
                  const list = await api.experimentActivity();
                  const mine = list.find((e) => e.experiment_id === %s);
                  return { ids: list.map((e) => e.experiment_id), first: list[0].experiment_id, count: mine.trace_count,
                    label: format.experimentLabel(mine), empty: format.experimentLabel(
                      { experiment_id: '7', name: 'E', trace_count: 0, last_trace_time_ms: null }),
                    capped: format.experimentLabel({ experiment_id: '8', name: 'F', trace_count: 100000,
                      trace_count_capped: true, last_trace_time_ms: Date.now() - 7200000 }) };
                } finally {
                  if (!hadToken) api.clearToken();
                }""".formatted(JSON.writeValueAsString(!token.isEmpty()), JSON.writeValueAsString(token),
                JSON.writeValueAsString(seed.experimentId())));
        assertThat(strings(r.path("ids"))).contains(seed.experimentId(), "0").doesNotContain(deletedExperiment);
        assertThat(r.path("count").asInt()).isGreaterThan(seed.turns());
        assertThat(r.path("label").asText()).startsWith(seed.experimentName() + " (" + seed.experimentId() + ") · ")
                .contains(" traces · last ");
        assertThat(r.path("empty").asText()).isEqualTo("E (7) · no traces yet");
        assertThat(r.path("capped").asText()).isEqualTo("F (8) · 100,000+ traces · last 2 h ago");
        if (devService.isEmpty()) {
            assertThat(r.path("first").asText()).as("the most recently active experiment comes first").isEqualTo("0");
        }
    }

    // ==== The explorer as a user goes through it, in order in one tab ===========================

    @Test
    @Order(10)
    @DisplayName("signs in with a token kept in session storage, after refusing a wrong one")
    void signIn() throws Exception {
        step(() -> {
            browser.get(base + "/");
            if (token.isEmpty()) {
                return; // auth off: nothing to sign in to
            }
            browser.visible(test("token-dialog"));
            browser.fill(test("token-input"), "tb_wrong_token_0123456789");
            browser.click(test("token-submit"));
            browser.visibleText("The stored token was refused");
            browser.fill(test("token-input"), token);
            browser.click(test("token-submit"));
            browser.hidden(test("token-dialog"));
            assertThat(browser.js("return sessionStorage.getItem('tracebridge.token')")).isEqualTo(token);
            assertThat(browser.js("return localStorage.getItem('tracebridge.token')")).as("token is not kept beyond the tab").isNull();
        });
    }

    @Test
    @Order(11)
    @DisplayName("opens on the traffic: with no choice made, the experiment with the newest trace (Default here)")
    void opensOnTheTraffic() throws Exception {
        if (!devService.isEmpty()) {
            return; // a shared service's traffic is not ours to predict
        }
        step(() -> {
            browser.until("exp=0 in the URL's hash", d -> hash(d.getCurrentUrl()).contains("exp=0"));
            browser.visible(test("trace-row"));
            assertThat(browser.js("return document.querySelector('[data-testid=\"experiment-select\"]').value")).isEqualTo("0");
            assertThat(browser.js("return document.querySelector('[data-testid=\"experiment-select\"] option[value=\"0\"]').textContent"))
                    .asString().matches("Default \\(0\\) · [0-9,]+ traces? · last (just now|\\d+ min ago)");
            assertThat(browser.js("return localStorage.getItem('tracebridge.experiment')"))
                    .as("an automatic pick is not a remembered choice").isNull();
        });
    }

    @Test
    @Order(12)
    @DisplayName("picks the experiment and lists its traces")
    void pickExperiment() throws Exception {
        step(() -> {
            String exp = seed.experimentId();
            browser.present(By.cssSelector("[data-testid=\"experiment-select\"] option[value=\"" + exp + "\"]"));
            assertThat(browser.count(By.cssSelector("[data-testid=\"experiment-select\"] option[value=\""
                    + deletedExperiment + "\"]"))).as("options for the deleted experiment").isZero();
            browser.until("selecting experiment " + exp, d -> {
                new Select(d.findElement(test("experiment-select"))).selectByValue(exp);
                return true;
            });
            browser.until("exp=" + exp + " in the URL's hash", d -> hash(d.getCurrentUrl()).contains("exp=" + exp));
            browser.visible(test("trace-row"));
            assertThat(browser.count(test("trace-row"))).as("more traces than the seeded session").isGreaterThan(seed.turns());
            assertThat(browser.texts(By.cssSelector("[data-testid=\"trace-table\"] thead th")))
                    .containsExactly("Time", "Name", "State", "Duration", "User", "Session", "Client request ID", "Feedback");
            // The choice is remembered: a visit without one opens this experiment, not the traffic.
            browser.get(base + "/");
            browser.until("the remembered exp=" + exp, d -> hash(d.getCurrentUrl()).contains("exp=" + exp));
            browser.visible(test("trace-row"));
        });
    }

    @Test
    @Order(13)
    @DisplayName("an invalid filter shows the service error, one matching nothing the empty state")
    void invalidAndEmptyFilter() throws Exception {
        step(() -> {
            browser.fill(test("filter-input"), "trace.no_such_field = 'x'");
            browser.click(test("filter-apply"));
            browser.visible(test("error"));
            assertThat(browser.text(test("error-message"))).containsPattern("no_such_field|Invalid|invalid");
            browser.fill(test("filter-input"), "trace.name = 'no-trace-has-this-name'");
            browser.click(test("filter-apply"));
            browser.visibleText("No traces match this filter");
        });
    }

    @Test
    @Order(14)
    @DisplayName("filters the trace list by user with the MLflow filter string")
    void filterByUser() throws Exception {
        step(() -> {
            browser.fill(test("filter-input"), userFilter);
            browser.click(test("filter-apply"));
            awaitTraceRows(seed.turns());
            assertThat(Set.copyOf(browser.texts(test("cell-user")))).isEqualTo(Set.of(seed.userId()));
            assertThat(Set.copyOf(browser.texts(test("cell-session")))).isEqualTo(Set.of(seed.sessionId()));
            List<String> ids = browser.texts(test("cell-client-request-id"));
            assertThat(ids).as("client request IDs").contains(seed.clientRequestId());
            assertThat(browser.text(test("pager-label"))).containsPattern(seed.turns() + " traces");
            shot("trace-list");
            // Export: the download holds exactly the filtered traces (anchor clicks are recorded, not followed).
            browser.js("""
                    window.__downloads = [];
                    HTMLAnchorElement.prototype.click = function () {
                      if (this.download) window.__downloads.push({ name: this.download, href: this.href });
                    };
                    const create = URL.createObjectURL;
                    window.__blobs = {};
                    URL.createObjectURL = (b) => { const u = create(b); window.__blobs[u] = b; return u; };
                    return true;""");
            browser.click(test("export-jsonl"));
            browser.until("the JSON Lines download", d -> Boolean.TRUE.equals(
                    ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return window.__downloads.length === 1")));
            JsonNode download = JSON.readTree((String) ((org.openqa.selenium.JavascriptExecutor) browser.driver)
                    .executeAsyncScript("""
                            const done = arguments[arguments.length - 1];
                            const d = window.__downloads[0];
                            window.__blobs[d.href].text().then((t) => done(JSON.stringify({ name: d.name, text: t })));"""));
            assertThat(download.path("name").asText()).isEqualTo("traces-" + seed.experimentId() + ".jsonl");
            List<String> lines = java.util.Arrays.stream(download.path("text").asText().split("\n"))
                    .filter(l -> !l.isBlank()).toList();
            assertThat(lines).hasSize(seed.turns());
            for (String line : lines) {
                assertThat(JSON.readTree(line).path("trace_metadata").path("mlflow.trace.user").asText()).isEqualTo(seed.userId());
            }
            browser.click(test("export-csv"));
            browser.until("the CSV download", d -> Boolean.TRUE.equals(
                    ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return window.__downloads.length === 2")));
            assertThat(browser.js("return window.__downloads[1].name")).isEqualTo("traces-" + seed.experimentId() + ".csv");
        });
    }

    @Test
    @Order(15)
    @DisplayName("opens a trace: span tree, collapse and expand, pretty-printed inputs")
    void traceDetail() throws Exception {
        step(() -> {
            browser.click(withText("trace-row", seed.clientRequestId(), "trace-link"));
            browser.visible(test("trace-header"));
            assertThat(browser.text(test("trace-client-request-id"))).isEqualTo(seed.clientRequestId());
            assertThat(browser.text(test("trace-user"))).isEqualTo(seed.userId());
            By rows = test("span-row");
            By roots = By.cssSelector("[data-testid=\"span-row\"][data-depth=\"0\"]");
            By children = By.cssSelector("[data-testid=\"span-row\"][data-depth=\"1\"]");
            int all = browser.count(rows);
            assertThat(all).as("the trace has child spans").isGreaterThanOrEqualTo(2);
            assertThat(browser.count(roots)).isEqualTo(1);

            browser.click(test("collapse-all"));
            assertThat(browser.count(rows)).as("collapsed: only the root").isEqualTo(1);
            browser.click(By.cssSelector("[data-testid=\"span-row\"][data-depth=\"0\"] [data-testid=\"span-toggle\"]"));
            int childCount = browser.count(children);
            assertThat(childCount >= 1 && browser.count(rows) == 1 + childCount).as("the root expanded: its children").isTrue();
            browser.click(test("expand-all"));
            assertThat(browser.count(rows)).as("expanded again: every span").isEqualTo(all);
            assertThat(browser.count(test("span-bar"))).as("each span has a timeline bar").isEqualTo(all);

            // The root's inputs (JSON from the SDK) are shown indented rather than on one line.
            String inputs = browser.text(test("span-inputs"));
            assertThat(inputs).containsPattern(Pattern.compile("^\\{\\n {2}\"\\w+\": "));
            assertThat(inputs).contains(seed.questions().get(1));
            // A child span: its own inputs and attributes.
            By lastChild = By.xpath("(//*[@data-testid='span-row'][@data-depth='1'])[last()]");
            String childName = browser.attribute(browser.find(lastChild), "data-name");
            browser.click(lastChild);
            assertThat(browser.text(test("span-detail-name"))).isEqualTo(childName);
            assertThat(browser.text(test("span-attributes"))).contains("mlflow.spanType");
            assertThat(browser.text(test("span-outputs"))).containsPattern("\\n\\s+\"");
            assertThat(browser.url()).as("the selected span is in the URL").contains("span=");
            assertThat(browser.text(test("trace-metadata"))).containsPattern("app_version\\s+" + Pattern.quote(seed.appVersion()));
        });
    }

    @Test
    @Order(16)
    @DisplayName("gives a thumbs-down with a comment and sees it appear, also after a reload")
    void thumbsDown() throws Exception {
        step(() -> {
            int before = browser.count(test("assessment"));
            browser.click(test("feedback-down"));
            browser.fill(test("feedback-comment"), comment);
            browser.fill(test("feedback-source"), "ui-tester");
            browser.click(test("feedback-submit"));
            browser.visible(By.cssSelector("[data-testid=\"feedback-status\"][data-state=\"ok\"]"));
            assertThat(browser.count(test("assessment"))).isEqualTo(before + 1);
            assertThat(browser.attribute(browser.find(withText("assessment", comment, "assessment-value")), "data-polarity"))
                    .isEqualTo("negative");
            assertThat(browser.text(withText("assessment", comment, "assessment-source"))).isEqualTo("HUMAN · ui-tester");
            assertThat(browser.text(withText("assessment", comment, "assessment-name"))).isEqualTo(seed.feedbackName());

            browser.reload();
            browser.visible(withText("assessment", comment));
            shot("trace-detail");
        });
    }

    @Test
    @Order(17)
    @DisplayName("the trace list shows the new feedback")
    void listShowsFeedback() throws Exception {
        step(() -> {
            browser.click(test("back-to-traces"));
            browser.visible(withText("trace-row", seed.clientRequestId()));
            WebElement summary = browser.present(withText("trace-row", seed.clientRequestId(), "feedback-summary"));
            assertThat(Integer.parseInt(browser.attribute(summary, "data-negative"))).as("a negative feedback is counted")
                    .isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    @Order(18)
    @DisplayName("opens the session as a conversation, turns in order, with their feedback")
    void session() throws Exception {
        step(() -> {
            browser.click(withText("trace-row", seed.clientRequestId(), "session-link"));
            browser.visible(test("conversation"));
            assertThat(browser.text(test("session-id"))).isEqualTo(seed.sessionId());
            assertThat(browser.count(test("turn"))).isEqualTo(seed.turns());
            assertThat(browser.texts(By.cssSelector("[data-testid=\"turn-request\"] .msg-text")))
                    .as("each turn shows its question, first to last").containsExactlyElementsOf(seed.questions());
            List<Long> times = new ArrayList<>();
            for (Object t : (List<?>) browser.js(
                    "return [...document.querySelectorAll('[data-testid=turn-time]')].map((e) => Date.parse(e.getAttribute('datetime')))")) {
                times.add(((Number) t).longValue());
            }
            assertThat(times).hasSize(seed.turns()).isSorted();
            List<WebElement> turns = browser.findAll(test("turn"));
            assertThat(browser.text(turns.get(1).findElement(test("turn-feedback")))).as("the feedback given above").contains(comment);
            assertThat(turns.get(0).findElements(By.cssSelector("[data-polarity=\"positive\"]"))).hasSize(1);
            shot("session");
        });
    }

    @Test
    @Order(21)
    @DisplayName("live mode shows a trace ingested after the page opened, on top, without a reload")
    void liveMode() throws Exception {
        step(() -> {
            browser.get(base + "/#/traces?exp=" + seed.experimentId());
            browser.visible(test("trace-row"));
            String pager = browser.text(test("pager-label"));
            browser.js("window.__sameDocument = true; return true;");
            browser.click(test("live-toggle"));
            browser.until("live=1 in the URL's hash", d -> hash(d.getCurrentUrl()).contains("live=1"));
            browser.visible(test("trace-row"));
            String fresh = new ExplorerSeed(base, token).sendNow(seed.experimentId(), System.currentTimeMillis());
            browser.until("the new trace on top", d -> fresh.equals(browser.js(
                    "const r = document.querySelector('[data-testid=\"trace-row\"]'); return r && r.dataset.traceId")));
            assertThat(browser.js("return window.__sameDocument === true")).as("no reload").isEqualTo(true);
            assertThat(browser.text(test("pager-label"))).as("paging undisturbed").isEqualTo(pager);
            browser.click(test("live-toggle"));
            browser.until("live off", d -> !hash(d.getCurrentUrl()).contains("live=1"));
        });
    }

    @Test
    @Order(19)
    @DisplayName("lists the users with their traces and sessions")
    void users() throws Exception {
        step(() -> {
            browser.click(test("nav-users"));
            String row = "[data-testid=\"user-row\"][data-user-id=\"" + seed.userId() + "\"]";
            browser.visible(By.cssSelector(row));
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-traces\"]"))).isEqualTo(String.valueOf(seed.turns()));
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-sessions\"]"))).isEqualTo("1");
            assertThat(browser.count(test("user-row"))).isGreaterThanOrEqualTo(2);
            // Tokens, cost and latency of the user's three turns: 1,200 tokens and $0.00027 each, 500 ms.
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-tokens\"]"))).isEqualTo("3,600");
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-cost\"]"))).isEqualTo("$0.0008");
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-p95\"]"))).isEqualTo("500 ms");
            shot("users");
            if (devService.isEmpty()) {
                // Sorted by cost, largest first: the three older users at $0.04 (ties by ID, descending), then
                // ui-user-1; again, smallest first. The order is in the URL.
                browser.click(test("sort-cost"));
                browser.until("users sorted by cost", d -> "ui-user-4".equals(browser.js(
                        "const r = document.querySelector('[data-testid=user-row]'); return r && r.dataset.userId")));
                assertThat(browser.texts(test("user-link"))).containsExactly("ui-user-4", "ui-user-3", "ui-user-2", "ui-user-1");
                assertThat(browser.texts(test("cell-cost"))).containsExactly("$0.04", "$0.04", "$0.04", "$0.0008");
                browser.click(test("sort-cost"));
                browser.until("users sorted by cost, smallest first", d -> "ui-user-1".equals(browser.js(
                        "const r = document.querySelector('[data-testid=user-row]'); return r && r.dataset.userId")));
                assertThat((String) browser.js("return location.hash")).contains("sort=cost+ASC");
                shot("users-by-cost");
                browser.click(test("sort-last_activity"));
                browser.visible(By.cssSelector(row));
            }
            // A user's link opens the trace list filtered to them.
            browser.click(By.cssSelector(row + " [data-testid=\"user-link\"]"));
            browser.until("trace rows, loaded", d -> Boolean.TRUE.equals(browser.js(
                    "return document.querySelectorAll('[data-testid=trace-row]').length > 0"
                            + " && !document.querySelector('[data-testid=loading]')")));
            assertThat(browser.value(test("filter-input"))).isEqualTo(userFilter);
            assertThat(Set.copyOf(browser.texts(test("cell-user")))).isEqualTo(Set.of(seed.userId()));
        });
    }

    @Test
    @Order(20)
    @DisplayName("reads the feedback dashboard grouped by app version, with the chart")
    void dashboard() throws Exception {
        step(() -> {
            browser.click(test("nav-dashboard"));
            String row = "[data-testid=\"feedback-row\"][data-name=\"" + seed.feedbackName() + "\"][data-group=\""
                    + seed.appVersion() + "\"]";
            browser.visible(By.cssSelector(row));
            assertThat(Integer.parseInt(browser.text(By.cssSelector(row + " [data-testid=\"cell-negative\"]")).trim()))
                    .as("the thumbs-down given above").isGreaterThanOrEqualTo(1);
            assertThat(Integer.parseInt(browser.text(By.cssSelector(row + " [data-testid=\"cell-positive\"]")).trim()))
                    .as("the seeded thumbs-up").isGreaterThanOrEqualTo(1);
            assertThat(browser.text(By.cssSelector(row + " [data-testid=\"cell-share\"]"))).matches("\\d+(\\.\\d)?%");
            assertThat(browser.value(test("group-by-input"))).isEqualTo("metadata.app_version");
            browser.visible(test("feedback-chart-svg"));
            assertThat(browser.count(test("chart-point"))).as("the chart has a point per bucket").isGreaterThanOrEqualTo(1);
            assertThat(Long.parseLong(browser.text(test("kpi-count")).replaceAll("\\D", ""))).isGreaterThanOrEqualTo(2);
            shot("dashboard");

            // Another grouping key: by user, through the form.
            browser.fill(test("group-by-input"), "metadata.`mlflow.trace.user`");
            browser.click(test("group-by-apply"));
            browser.visible(By.cssSelector("[data-testid=\"feedback-row\"][data-group=\"" + seed.userId() + "\"]"));
        });
    }

    @Test
    @Order(22)
    @DisplayName("signing out asks for the token again")
    void signOut() throws Exception {
        step(() -> {
            if (token.isEmpty()) {
                return;
            }
            browser.click(test("sign-out"));
            browser.visible(test("token-dialog"));
            assertThat(browser.js("return sessionStorage.getItem('tracebridge.token')")).isNull();
        });
    }

    @Test
    @Order(23)
    @DisplayName("no script errors and no requests beyond the service")
    void noErrorsNoOtherOrigins() throws Exception {
        step(() -> {
            List<String> problems = new ArrayList<>(browser.consoleErrors());
            problems.addAll(browser.otherOrigins(base));
            assertThat(problems).isEmpty();
            // The record of requests is real: it holds the explorer's scripts and API calls.
            assertThat(browser.requested()).anyMatch(u -> u.endsWith("/ui/app.js")).anyMatch(u -> u.contains("/api/"));
            // And the browser was told to refuse anything else (the page's Content-Security-Policy).
            HttpResponse<Void> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).as("Content-Security-Policy of /")
                    .contains("default-src 'self'", "script-src 'self'", "connect-src 'self'");
            for (String view : VIEWS) {
                assertThat(shots.resolve(view + ".png")).as(view + " screenshot").isNotEmptyFile();
            }
        });
    }

    // ==== Helpers ===============================================================================

    interface Step {
        void run() throws Exception;
    }

    /** Runs a browser step unless an earlier one failed (the later ones depend on it); on failure keeps a screenshot. */
    private void step(Step body) throws Exception {
        assumeTrue(failedStep == null, () -> "skipped: the earlier step " + failedStep + " failed");
        try {
            body.run();
        } catch (Exception | AssertionError e) {
            failedStep = currentStep;
            try {
                browser.screenshot(Path.of("target/ui-screenshots/failed-" + currentStep + ".png"));
                e.addSuppressed(new AssertionError("at " + browser.url() + "; console errors so far: " + browser.consoleErrors()
                        + "; screenshot: target/ui-screenshots/failed-" + currentStep + ".png"));
            } catch (Exception ignored) {
                // only a diagnostic
            }
            throw e;
        }
    }

    private void shot(String view) throws Exception {
        Path file = shots.resolve(view + ".png");
        browser.screenshot(file);
        assertThat(file).as(view + " screenshot").isNotEmptyFile();
    }

    private void awaitTraceRows(int n) {
        browser.until(n + " trace rows, loaded", d -> Boolean.TRUE.equals(browser.js(
                "return document.querySelectorAll('[data-testid=trace-row]').length === arguments[0]"
                        + " && !document.querySelector('[data-testid=loading]')", n)));
    }

    private static String hash(String url) {
        int i = url.indexOf('#');
        return i < 0 ? "" : url.substring(i);
    }

    /**
     * Runs {@code body} in the served page (an async function; what it returns comes back as
     * JSON) with the exports of spans.js and format.js in scope, plus {@code span(id, parent,
     * start, end)}: a span as the REST API gives it, IDs as base64.
     */
    private JsonNode modules(String body) throws Exception {
        if (!browser.url().startsWith(base + "/")) {
            browser.get(base + "/");
        }
        String script = """
                const done = arguments[arguments.length - 1];
                (async () => {
                  const { buildTree, visibleSpans, idHex, anyValue, decoded } = await import('/ui/spans.js');
                  const { messageText, polarity, POSITIVE, NEGATIVE, quote, durationMs, fmtDuration, summarizeAssessments } =
                    await import('/ui/format.js');
                  const b64 = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((x) => parseInt(x, 16))));
                  const span = (id, parent, start, end, extra = {}) => ({
                    span_id: b64(id), parent_span_id: parent ? b64(parent) : '',
                    name: `s-${id.slice(-2)}`, start_time_unix_nano: String(start), end_time_unix_nano: String(end), ...extra,
                  });
                """ + body + """

                })().then((v) => done(JSON.stringify({ value: v })), (e) => done(JSON.stringify({ error: String((e && e.stack) || e) })));
                """;
        JsonNode r = JSON.readTree((String) browser.jsAsync(script));
        assertThat(r.path("error").isMissingNode()).as("the module code threw: %s", r.path("error").asText()).isTrue();
        return r.get("value");
    }

    private static void assertJson(JsonNode result, String key, String expectedJson) throws Exception {
        assertThat(result.path(key)).as(key).isEqualTo(JSON.readTree(expectedJson));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    /** The quoted values of {@code WHEN lower(value_text) IN (…) THEN sign} in tb_feedback_sign's definition. */
    private static Set<String> sqlList(String definition, String sign) {
        Matcher m = Pattern.compile("WHEN lower\\(value_text\\) IN \\(([^)]*)\\) THEN " + Pattern.quote(sign)).matcher(definition);
        assertThat(m.find()).as("the %s list in tb_feedback_sign:%n%s", sign, definition).isTrue();
        Set<String> values = new LinkedHashSet<>();
        Matcher q = Pattern.compile("'([^']*)'").matcher(m.group(1));
        while (q.find()) {
            values.add(q.group(1));
        }
        return values;
    }

    @SafeVarargs
    private static Map<String, Integer> signs(Connection db, List<String>... lists) throws SQLException {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT v, tb_feedback_sign(v) FROM unnest(?::text[]) AS v")) {
            Array values = db.createArrayOf("text", all.toArray());
            ps.setArray(1, values);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    private Connection db() throws SQLException {
        String name = devService.isEmpty() ? IT_DB : System.getenv().getOrDefault("TRACEBRIDGE_DB_NAME", "tracebridge");
        return DriverManager.getConnection("jdbc:postgresql://" + dbHost() + ":" + dbPort() + "/" + name, dbUser(), dbPassword());
    }

    private static String dbHost() {
        return System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1");
    }

    private static String dbPort() {
        return System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432");
    }

    private static String dbUser() {
        return System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge");
    }

    private static String dbPassword() {
        return System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}

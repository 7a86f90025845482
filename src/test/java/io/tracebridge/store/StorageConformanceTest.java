package io.tracebridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.analytics.FeedbackSummary;
import io.tracebridge.analytics.GroupKey;
import io.tracebridge.analytics.TimeRange;
import io.tracebridge.ingest.OtlpJson;
import io.tracebridge.mapping.TraceAssembler;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.search.TraceQuery;
import io.tracebridge.search.TraceSearch;
import io.tracebridge.support.Experiments;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storage adapter below HTTP, driven by fixtures (as Jaeger's storage integration tests are
 * by {@code fixtures/queries.json}): the traces of {@code fixtures/conformance/traces.json}, OTLP
 * JSON as apps send it, go through the mapping into {@link TraceStore#write}; the searches of
 * {@code fixtures/conformance/queries.json} go through {@link TraceSearch} into
 * {@link TraceStore#search}, in one page and page by page. Also: batches of a trace merge the
 * same in any order and batching, a re-sent batch adds nothing, token usage sums the reporting
 * spans, a trace of another experiment is left out whole, and the feedback aggregates (whole
 * hours from the rollup, the edges from the rows) are exact wherever a range cuts the hours. A
 * new storage adapter must pass the same suite.
 */
@QuarkusTest
class StorageConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SPANS_PER_TRACE = 20_000;

    @Inject
    TraceStore store;

    @Inject
    AssessmentStore assessments;

    @Inject
    AnalyticsStore analytics;

    private final TraceAssembler assembler = io.tracebridge.support.Assemblers.generous();

    @Test
    void theFixtureQueriesFindTheirTraces() throws IOException {
        Experiment exp = experiment("conformance-queries");
        Map<String, String> ids = new LinkedHashMap<>();
        for (String alias : List.of("chat-1", "chat-2", "other")) {
            String traceId = newTraceId();
            write(exp, alias, traceId, batches(alias));
            ids.put(alias, "tr-" + traceId);
        }
        JsonNode queries = resource("queries.json").path("queries");
        assertThat(queries.size()).isGreaterThanOrEqualTo(10);
        for (JsonNode q : queries) {
            String filter = q.path("filter").isMissingNode() ? null : q.path("filter").asText();
            List<String> orderBy = new ArrayList<>();
            q.path("order_by").forEach(o -> orderBy.add(o.asText()));
            List<String> expected = new ArrayList<>();
            q.path("expect").forEach(a -> expected.add(ids.get(a.asText())));
            String name = q.path("name").asText();

            TraceQuery all = TraceSearch.compile(List.of(Long.parseLong(exp.experimentId())), filter, orderBy, 100, null);
            TraceStore.SearchPage page = store.search(all).await().indefinitely();
            assertThat(page.traces().stream().map(TraceInfo::traceId).toList()).as(name).isEqualTo(expected);
            assertThat(page.nextAfter()).as(name + ": one page").isNull();

            // Page by page (one trace a page), following the tokens.
            List<String> paged = new ArrayList<>();
            String token = null;
            for (int i = 0; i <= expected.size(); i++) {
                TraceQuery q1 = TraceSearch.compile(List.of(Long.parseLong(exp.experimentId())), filter, orderBy, 1, token);
                TraceStore.SearchPage p = store.search(q1).await().indefinitely();
                p.traces().forEach(t -> paged.add(t.traceId()));
                if (p.nextAfter() == null) {
                    break;
                }
                token = q1.pageToken(p.nextAfter());
            }
            assertThat(paged).as(name + ", page by page").isEqualTo(expected);
        }
    }

    @Test
    void batchesMergeTheSameInAnyOrderAndBatching() throws IOException {
        List<String> batches = batches("chat-1");
        assertThat(batches).hasSize(2);
        Map<String, Object> inOrder = view(writeNew("conformance-order", "chat-1", batches));
        Map<String, Object> reversed = view(writeNew("conformance-reversed", "chat-1", List.of(batches.get(1), batches.get(0))));
        Map<String, Object> together = view(writeNew("conformance-one-batch", "chat-1", List.of(merged(batches))));
        assertThat(reversed).isEqualTo(inOrder);
        assertThat(together).isEqualTo(inOrder);
        // What the merge decided: the bare root adds nothing, the app's span wins over the deeper one.
        assertThat(inOrder.get("client_request_id")).isEqualTo("req-c1");
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) inOrder.get("metadata");
        assertThat(metadata).containsEntry("environment", "production").containsEntry("app_version", "1.4.2")
                .containsEntry("mlflow.trace.session", "s-1").containsEntry("mlflow.trace.user", "u-jane");
        @SuppressWarnings("unchecked")
        Map<String, String> tags = (Map<String, String>) inOrder.get("tags");
        assertThat(tags).containsEntry("feature", "chat");
        assertThat(inOrder.get("request_preview")).asString().contains("reset my password");
        assertThat(inOrder.get("state")).isEqualTo("OK");
        assertThat(inOrder.get("execution_duration_ms")).isEqualTo(2000L);
    }

    @Test
    void aResentBatchAddsNothing() throws IOException {
        Experiment exp = experiment("conformance-resend");
        String traceId = newTraceId();
        List<String> batches = batches("chat-1");
        write(exp, "chat-1", traceId, batches);
        Map<String, Object> once = view(info(traceId));
        write(exp, "chat-1", traceId, batches);
        assertThat(view(info(traceId))).isEqualTo(once);
        assertThat(store.getSpans(List.of("tr-" + traceId)).await().indefinitely().get("tr-" + traceId)).hasSize(3);
    }

    @Test
    void tokenUsageSumsTheSpansThatReportIt() throws IOException {
        TraceInfo info = writeNew("conformance-tokens", "chat-1", batches("chat-1"));
        JsonNode usage = JSON.readTree(info.metadata().get("mlflow.trace.tokenUsage"));
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(10);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(5);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(15);
    }

    @Test
    void aTraceOfAnotherExperimentIsLeftOutWhole() throws IOException {
        Experiment owner = experiment("conformance-owner");
        Experiment intruder = experiment("conformance-intruder");
        String traceId = newTraceId();
        write(owner, "chat-2", traceId, batches("chat-2"));
        Map<String, Object> before = view(info(traceId));
        TraceStore.WriteOutcome outcome = write(intruder, "chat-1", traceId, batches("chat-1")).get(0);
        assertThat(outcome.foreignTraces()).containsKey("tr-" + traceId);
        assertThat(view(info(traceId))).isEqualTo(before);
        assertThat(info(traceId).experimentId()).isEqualTo(owner.experimentId());
    }

    /**
     * Feedback aggregates read whole hours from {@code feedback_rollup} and the partial hours at
     * a range's edges from the assessments: for ranges that cut hours anywhere, start or end on
     * an hour, or are open, the counts are those of the rows, overall and grouped by a metadata key.
     */
    @Test
    void feedbackAggregatesAreExactWhereverTheRangeCutsTheHours() throws IOException {
        Experiment exp = experiment("conformance-analytics");
        long exp1 = Long.parseLong(exp.experimentId());
        long t0 = 1764547200000L; // an hour boundary
        String template = batches("chat-2").get(0);
        record Rated(long timeMs, String version, boolean positive) {
        }
        List<Rated> rated = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long time = t0 + i * 20 * 60_000L + 7_000L;
            String version = i % 2 == 0 ? "1.0" : "2.0";
            boolean positive = i % 3 != 0;
            String traceId = newTraceId();
            String batch = template.replace("1764547260000000000", Long.toString(time * 1_000_000L))
                    .replace("1764547265000000000", Long.toString((time + 1000) * 1_000_000L))
                    .replace("\"1.4.3\"", "\"" + version + "\"");
            write(exp, "chat-2", traceId, List.of(batch));
            assessments.create(new io.tracebridge.model.Assessment("a-conf-" + traceId, "tr-" + traceId, "user_rating",
                    io.tracebridge.model.Assessment.Kind.FEEDBACK, Boolean.toString(positive), null, null, null, "HUMAN",
                    "u-jane", null, Map.of(), null, true, time, time)).await().indefinitely();
            rated.add(new Rated(time, version, positive));
        }
        long h = 3_600_000L;
        List<Long[]> ranges = List.of(new Long[] {null, null}, new Long[] {t0, t0 + 4 * h}, new Long[] {t0 + h, t0 + 2 * h},
                new Long[] {t0 + 10 * 60_000L, t0 + 3 * h + 50 * 60_000L}, new Long[] {t0 + 35 * 60_000L, t0 + 65 * 60_000L},
                new Long[] {t0 + 2 * h, null}, new Long[] {null, t0 + h + 1});
        for (Long[] r : ranges) {
            String label = "[" + r[0] + ", " + r[1] + ")";
            List<Rated> in = rated.stream().filter(x -> (r[0] == null || x.timeMs() >= r[0]) && (r[1] == null || x.timeMs() < r[1]))
                    .toList();
            TimeRange range = new TimeRange(exp1, r[0], r[1]);
            List<FeedbackSummary> all = analytics.feedback(range, null, "user_rating").await().indefinitely();
            if (in.isEmpty()) {
                assertThat(all).as(label).allMatch(f -> f.count() == 0);
                continue;
            }
            assertThat(all).as(label).hasSize(1);
            assertThat(all.get(0).count()).as(label).isEqualTo(in.size());
            assertThat(all.get(0).positive()).as(label).isEqualTo(in.stream().filter(Rated::positive).count());
            assertThat(all.get(0).negative()).as(label).isEqualTo(in.stream().filter(x -> !x.positive()).count());

            List<FeedbackSummary> byVersion = analytics.feedback(range, GroupKey.parse("metadata.app_version"), "user_rating")
                    .await().indefinitely();
            for (String version : List.of("1.0", "2.0")) {
                long expected = in.stream().filter(x -> x.version().equals(version)).count();
                long found = byVersion.stream().filter(f -> version.equals(f.group())).mapToLong(FeedbackSummary::count).sum();
                assertThat(found).as(label + " " + version).isEqualTo(expected);
            }
        }
    }

    // ---- fixtures ------------------------------------------------------------------------------

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = StorageConformanceTest.class.getResourceAsStream("/fixtures/conformance/" + name)) {
            assertThat(in).as(name).isNotNull();
            return JSON.readTree(in);
        }
    }

    /** The fixture trace's batches as OTLP JSON text, its trace ID still a placeholder. */
    private static List<String> batches(String alias) throws IOException {
        List<String> out = new ArrayList<>();
        resource("traces.json").path("traces").path(alias).forEach(b -> out.add(b.toString()));
        assertThat(out).as(alias).isNotEmpty();
        return out;
    }

    /** All batches as one export request. */
    private static String merged(List<String> batches) throws IOException {
        var all = JSON.createObjectNode();
        var list = all.putArray("resourceSpans");
        for (String b : batches) {
            JSON.readTree(b).path("resourceSpans").forEach(list::add);
        }
        return all.toString();
    }

    private static String newTraceId() {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private static Experiment experiment(String prefix) {
        String id = Experiments.create(prefix);
        return new Experiment(id, prefix, "mlflow-artifacts:/" + id, Experiment.ACTIVE, 0, 0, Map.of());
    }

    private List<TraceStore.WriteOutcome> write(Experiment exp, String alias, String traceId, List<String> batches) {
        List<TraceStore.WriteOutcome> outcomes = new ArrayList<>();
        for (String batch : batches) {
            byte[] body = batch.replace("{{" + alias + "}}", traceId).getBytes(StandardCharsets.UTF_8);
            TraceAssembler.Result mapped = assembler.assemble(OtlpJson.parse(body));
            assertThat(mapped.rejected()).as("rejected spans").isEmpty();
            outcomes.add(store.write(exp, mapped.drafts(), MAX_SPANS_PER_TRACE).await().indefinitely());
        }
        return outcomes;
    }

    private TraceInfo writeNew(String prefix, String alias, List<String> batches) {
        String traceId = newTraceId();
        write(experiment(prefix), alias, traceId, batches);
        return info(traceId);
    }

    private TraceInfo info(String traceId) {
        List<TraceStore.StoredTrace> found = store.getTraces(List.of("tr-" + traceId)).await().indefinitely();
        assertThat(found).hasSize(1);
        return found.get(0).info();
    }

    /** What a trace shows, without what differs per trace and experiment. */
    private static Map<String, Object> view(TraceInfo info) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("client_request_id", info.clientRequestId());
        v.put("request_time_ms", info.requestTimeMs());
        v.put("execution_duration_ms", info.executionDurationMs());
        v.put("state", info.state().name());
        v.put("request_preview", info.requestPreview());
        v.put("response_preview", info.responsePreview());
        Map<String, String> metadata = new TreeMap<>(info.metadata());
        metadata.remove("mlflow.trace.sizeBytes");
        v.put("metadata", metadata);
        Map<String, String> tags = new TreeMap<>(info.tags());
        tags.remove("mlflow.artifactLocation");
        v.put("tags", tags);
        return v;
    }
}

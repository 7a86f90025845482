package io.tracebridge.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The analytics endpoints (docs/analytics-api.md) over conversations sent with the real OTel SDK:
 * three sessions of three users, feedback logged through MLflow's assessments API.
 *
 * <pre>
 *   t0        s1 u1 v1.0  thumbs up (user_rating true)
 *   t0+1s     s1 u1 v1.0  user_rating false
 *   t0+2s     s1 u1 v1.0  user_rating "negative" overridden by "thumbs_up"; an expectation
 *   t0+3s     s3 u3       no metadata
 *   t0+5s     s2 u2 v2.0  user_rating "Thumbs_Up", score 0.5
 *   t0+2h     s2 u1 v2.0  ERROR, score 0.9
 * </pre>
 */
@QuarkusTest
class AnalyticsApiTest {
    private static final String BASE = "/api/tracebridge/v1/analytics";
    /** An hour boundary, so hourly buckets are predictable. */
    private static final long T0 = 1_767_225_600_000L;

    @Inject
    Pool pool;

    String exp;
    final List<String> s1 = new ArrayList<>();
    String s3;
    String s2a;
    String s2b;

    @BeforeEach
    void conversations() {
        exp = Experiments.create("analytics");
        s1.add(turn("u1", "s1", 0, Map.of("app_version", "1.0", "environment", "prod"), false));
        s1.add(turn("u1", "s1", 1_000, Map.of("app_version", "1.0", "environment", "prod"), false));
        s1.add(turn("u1", "s1", 2_000, Map.of("app_version", "1.0", "environment", "prod"), false));
        s3 = turn("u3", "s3", 3_000, Map.of(), false);
        s2a = turn("u2", "s2", 5_000, Map.of("app_version", "2.0", "environment", "staging"), false);
        s2b = turn("u1", "s2", 7_200_000, Map.of("app_version", "2.0", "environment", "staging"), true);

        feedback(s1.get(0), "user_rating", "true", "Quick and correct");
        feedback(s1.get(1), "user_rating", "false", "Wrong answer");
        String old = feedback(s1.get(2), "user_rating", "\"negative\"", null);
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "user_rating", "source": {"source_type": "HUMAN", "source_id": "u1"},
                  "feedback": {"value": "thumbs_up"}, "overrides": "%s"}}""".formatted(old))
                .post("/api/3.0/mlflow/traces/" + s1.get(2) + "/assessments").then().statusCode(200);
        given().contentType("application/json").body("""
                {"assessment": {"assessment_name": "user_rating", "source": {"source_type": "HUMAN"},
                  "expectation": {"value": false}}}""")
                .post("/api/3.0/mlflow/traces/" + s1.get(2) + "/assessments").then().statusCode(200);
        feedback(s2a, "user_rating", "\"Thumbs_Up\"", null);
        feedback(s2a, "score", "0.5", null);
        feedback(s2b, "score", "0.9", null);
    }

    private String turn(String user, String session, long offsetMs, Map<String, String> metadata, boolean error) {
        return Traces.turn(exp, new Traces.Turn("chat", user, session, "req-" + session + "-" + offsetMs, T0 + offsetMs,
                "question at " + offsetMs, "answer at " + offsetMs, metadata, error));
    }

    private static String feedback(String traceId, String name, String valueJson, String rationale) {
        String body = "{\"assessment\": {\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", "
                + "\"source_id\": \"tester\"}, \"feedback\": {\"value\": " + valueJson + "}"
                + (rationale == null ? "" : ", \"rationale\": \"" + rationale + "\"") + "}}";
        return given().contentType("application/json").body(body)
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200)
                .extract().path("assessment.assessment_id");
    }

    private RequestSpecification q() {
        return given().queryParam("experiment_id", exp);
    }

    @Test
    void sessionsNewestFirstWithTurnsUsersErrorsAndFeedback() {
        JsonPath j = q().get(BASE + "/sessions").then().statusCode(200).extract().jsonPath();
        assertThat(j.getList("sessions.session_id")).containsExactly("s2", "s3", "s1");
        assertThat(j.getString("next_page_token")).isNull();
        assertThat(j.getLong("sessions[0].first_time_ms")).isEqualTo(T0 + 5_000);
        assertThat(j.getLong("sessions[0].last_time_ms")).isEqualTo(T0 + 7_200_000);
        assertThat(j.getInt("sessions[0].turns")).isEqualTo(2);
        assertThat(j.getList("sessions[0].users")).containsExactlyInAnyOrder("u1", "u2");
        assertThat(j.getInt("sessions[0].user_count")).isEqualTo(2);
        assertThat(j.getInt("sessions[0].error_count")).isEqualTo(1);
        assertThat(j.getList("sessions[0].feedback.name")).containsExactly("score", "user_rating");
        assertThat(j.getDouble("sessions[0].feedback[0].mean")).isEqualTo(0.7);
        assertThat(j.getInt("sessions[0].feedback[1].positive")).isEqualTo(1);

        // s1: true, false, and "thumbs_up" overriding "negative" (the overridden one and the expectation do not count).
        assertThat(j.getInt("sessions[2].turns")).isEqualTo(3);
        assertThat(j.getInt("sessions[2].error_count")).isZero();
        Map<String, Object> rating = j.getMap("sessions[2].feedback[0]");
        assertThat(rating).containsEntry("name", "user_rating").containsEntry("count", 3).containsEntry("positive", 2)
                .containsEntry("negative", 1).containsEntry("mean", null);
        assertThat(j.getDouble("sessions[2].feedback[0].positive_share")).isEqualTo(0.6667);
        assertThat(j.getList("sessions[1].feedback")).isEmpty();
    }

    @Test
    void sessionsPageWithTokensAndFilterByUserAndTime() {
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var req = q().queryParam("max_results", 1);
            if (token != null) {
                req.queryParam("page_token", token);
            }
            JsonPath j = req.get(BASE + "/sessions").then().statusCode(200).extract().jsonPath();
            seen.addAll(j.getList("sessions.session_id"));
            token = j.getString("next_page_token");
            pages++;
        } while (token != null && pages < 10);
        assertThat(seen).containsExactly("s2", "s3", "s1");

        String first = q().queryParam("max_results", 1).get(BASE + "/sessions").then().extract().path("next_page_token");
        q().queryParam("max_results", 1).queryParam("user_id", "u3").queryParam("page_token", first)
                .get(BASE + "/sessions").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("different list"));

        assertThat(q().queryParam("user_id", "u2").get(BASE + "/sessions").then().statusCode(200)
                .extract().jsonPath().getList("sessions.session_id")).containsExactly("s2");
        // Sorted or not, a user's sessions are summarised over all their turns (s2: u2's and u1's).
        for (String order : new String[] {null, "traces", "last_activity ASC"}) {
            JsonPath ofU2 = q().queryParam("user_id", "u2").queryParam("order_by", order).get(BASE + "/sessions")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(ofU2.getList("sessions.session_id")).as(order).containsExactly("s2");
            assertThat(ofU2.getInt("sessions[0].turns")).as(order).isEqualTo(2);
            assertThat(ofU2.getInt("sessions[0].user_count")).as(order).isEqualTo(2);
        }
        // From t0+2.5s: s1 has no turn left in range; s2 keeps both turns.
        JsonPath late = q().queryParam("start_time_ms", T0 + 2_500).get(BASE + "/sessions").then().statusCode(200)
                .extract().jsonPath();
        assertThat(late.getList("sessions.session_id")).containsExactly("s2", "s3");
        // Until t0+1h: s2 has one turn in range, and its last time is that turn's.
        JsonPath early = q().queryParam("end_time_ms", T0 + 3_600_000).get(BASE + "/sessions").then().statusCode(200)
                .extract().jsonPath();
        assertThat(early.getList("sessions.session_id")).containsExactly("s2", "s3", "s1");
        assertThat(early.getInt("sessions[0].turns")).isEqualTo(1);
        assertThat(early.getLong("sessions[0].last_time_ms")).isEqualTo(T0 + 5_000);
    }

    /** Sessions active at the same millisecond page in ID order, each exactly once, whatever the page size. */
    @Test
    void tiesAtOneMillisecondPageExactlyOnce() {
        String other = Experiments.create("analytics-ties");
        for (String s : List.of("tie-a", "tie-c", "tie-b", "tie-e", "tie-d")) {
            Traces.turn(other, new Traces.Turn("chat", "u-" + s, s, null, T0 + 10_000, "q", "a", Map.of(), false));
            Traces.turn(other, new Traces.Turn("chat", "u-" + s, s, null, T0 + 1_000, "q", "a", Map.of(), false));
        }
        for (int size = 1; size <= 6; size++) {
            List<String> seen = new ArrayList<>();
            String token = null;
            int pages = 0;
            do {
                var req = given().queryParam("experiment_id", other).queryParam("max_results", size);
                if (token != null) {
                    req.queryParam("page_token", token);
                }
                JsonPath j = req.get(BASE + "/sessions").then().statusCode(200).extract().jsonPath();
                seen.addAll(j.getList("sessions.session_id"));
                assertThat(j.getList("sessions.turns", Integer.class)).allMatch(t -> t == 2);
                token = j.getString("next_page_token");
                pages++;
            } while (token != null && pages < 20);
            assertThat(seen).as("page size " + size).containsExactly("tie-e", "tie-d", "tie-c", "tie-b", "tie-a");
        }
    }

    @Test
    void sessionTurnsInOrderWithPreviewsAndFeedback() {
        JsonPath j = q().get(BASE + "/sessions/s1").then().statusCode(200).extract().jsonPath();
        assertThat(j.getString("session_id")).isEqualTo("s1");
        assertThat(j.getBoolean("truncated")).isFalse();
        assertThat(j.getList("traces.trace_id")).containsExactlyElementsOf(s1);
        assertThat(j.getString("traces[0].request_preview")).contains("question at 0");
        assertThat(j.getString("traces[0].response_preview")).contains("answer at 0");
        assertThat(j.getLong("traces[1].request_time_ms")).isEqualTo(T0 + 1_000);
        assertThat(j.getLong("traces[1].execution_duration_ms")).isEqualTo(500);
        assertThat(j.getString("traces[1].state")).isEqualTo("OK");
        assertThat(j.getString("traces[1].user_id")).isEqualTo("u1");
        assertThat(j.getString("traces[1].client_request_id")).isEqualTo("req-s1-1000");
        assertThat(j.getBoolean("traces[0].feedback[0].value")).isTrue();
        assertThat(j.getString("traces[0].feedback[0].rationale")).isEqualTo("Quick and correct");
        assertThat(j.getString("traces[0].feedback[0].source_type")).isEqualTo("HUMAN");
        assertThat(j.getString("traces[0].feedback[0].source_id")).isEqualTo("tester");
        assertThat(j.getList("traces[2].feedback.value")).containsExactly("thumbs_up");

        assertThat(q().get(BASE + "/sessions/nope").then().statusCode(200).extract().jsonPath().getList("traces")).isEmpty();
        assertThat(q().queryParam("start_time_ms", T0 + 1_000).queryParam("end_time_ms", T0 + 2_000)
                .get(BASE + "/sessions/s1").then().statusCode(200).extract().jsonPath().getList("traces.trace_id"))
                .containsExactly(s1.get(1));
    }

    @Test
    void usersNewestFirstWithTracesSessionsAndFeedback() {
        JsonPath j = q().get(BASE + "/users").then().statusCode(200).extract().jsonPath();
        assertThat(j.getList("users.user_id")).containsExactly("u1", "u2", "u3");
        assertThat(j.getInt("users[0].traces")).isEqualTo(4);
        assertThat(j.getInt("users[0].sessions")).isEqualTo(2);
        assertThat(j.getLong("users[0].first_time_ms")).isEqualTo(T0);
        assertThat(j.getLong("users[0].last_seen_ms")).isEqualTo(T0 + 7_200_000);
        assertThat(j.getInt("users[0].error_count")).isEqualTo(1);
        assertThat(j.getList("users[0].feedback.name")).containsExactly("score", "user_rating");
        assertThat(j.getInt("users[0].feedback[1].count")).isEqualTo(3);
        assertThat(j.getList("users[2].feedback")).isEmpty();

        JsonPath p1 = q().queryParam("max_results", 2).get(BASE + "/users").then().statusCode(200).extract().jsonPath();
        assertThat(p1.getList("users.user_id")).containsExactly("u1", "u2");
        JsonPath p2 = q().queryParam("max_results", 2).queryParam("page_token", p1.getString("next_page_token"))
                .get(BASE + "/users").then().statusCode(200).extract().jsonPath();
        assertThat(p2.getList("users.user_id")).containsExactly("u3");
        assertThat(p2.getString("next_page_token")).isNull();
    }

    @Test
    void feedbackAggregatesPerNameAndGroup() {
        JsonPath all = q().get(BASE + "/feedback").then().statusCode(200).extract().jsonPath();
        assertThat(all.getString("group_by")).isNull();
        assertThat(all.getList("feedback.name")).containsExactly("score", "user_rating");
        assertThat(all.getMap("feedback[1]")).containsEntry("count", 4).containsEntry("positive", 3)
                .containsEntry("negative", 1).containsEntry("group", null);
        assertThat(all.getDouble("feedback[1].positive_share")).isEqualTo(0.75);
        assertThat(all.getDouble("feedback[0].mean")).isEqualTo(0.7);
        assertThat(all.getObject("feedback[0].positive_share", Double.class)).isNull();

        JsonPath byVersion = q().queryParam("group_by", "metadata.app_version").get(BASE + "/feedback").then()
                .statusCode(200).extract().jsonPath();
        assertThat(byVersion.getString("group_by")).isEqualTo("metadata.app_version");
        assertThat(rows(byVersion)).containsExactly("score|2.0|2|0.7", "user_rating|1.0|3|null", "user_rating|2.0|1|null");
        assertThat(byVersion.getInt("feedback[1].negative")).isEqualTo(1);

        assertThat(rows(q().queryParam("group_by", "metadata.`mlflow.trace.user`").queryParam("name", "user_rating")
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("user_rating|u1|3|null", "user_rating|u2|1|null");
        // Tags come from resource attributes and mlflow.traceTag.*; this key is on no trace, so all land in null.
        assertThat(rows(q().queryParam("group_by", "tag.region").queryParam("name", "score")
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("score|null|2|0.7");
        assertThat(rows(q().queryParam("group_by", "metadata.environment").queryParam("start_time_ms", T0 + 4_000)
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("score|staging|2|0.7", "user_rating|staging|1|null");
    }

    /**
     * The hourly rollup behind the aggregates stays exact: ranges cut inside hours add the edge
     * rows to the whole hours, and tags that appear, change or go after the feedback, an
     * overridden or deleted feedback and a deleted trace all move the counts. Afterwards the
     * rollup equals a recount from the rows.
     */
    @Test
    void rollupStaysExactThroughChanges() {
        // Half an hour before T0 to 2.5 h after: the hours [T0, T0 + 2 h) from the rollup, s2b (at T0 + 2 h) from the rows.
        JsonPath cut = q().queryParam("group_by", "metadata.app_version").queryParam("start_time_ms", T0 - 1_800_000)
                .queryParam("end_time_ms", T0 + 9_000_000).get(BASE + "/feedback").then().statusCode(200)
                .extract().jsonPath();
        assertThat(rows(cut)).containsExactly("score|2.0|2|0.7", "user_rating|1.0|3|null", "user_rating|2.0|1|null");
        // T0 + 0.5 s to T0 + 2 h + 1 ms: rows on both sides of one (empty) whole hour.
        assertThat(rows(q().queryParam("start_time_ms", T0 + 500).queryParam("end_time_ms", T0 + 7_200_001)
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("score|null|2|0.7", "user_rating|null|3|null");
        assertThat(q().queryParam("interval", "hour").queryParam("start_time_ms", T0 - 1_800_000)
                .queryParam("end_time_ms", T0 + 9_000_000).get(BASE + "/feedback/timeline").then().statusCode(200)
                .extract().jsonPath().getList("points.count", Integer.class)).containsExactly(1, 1, 4);

        // A tag set after the feedback, changed, then removed; s1's first turn gets it too.
        setTag(s2a, "team", "search");
        setTag(s1.get(0), "team", "search");
        assertThat(rows(q().queryParam("group_by", "tag.team").queryParam("name", "user_rating")
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("user_rating|search|2|null", "user_rating|null|2|null");
        setTag(s2a, "team", "chat");
        given().delete("/api/3.0/mlflow/traces/" + s1.get(0) + "/tags?key=team").then().statusCode(200);
        assertThat(rows(q().queryParam("group_by", "tag.team").queryParam("name", "user_rating")
                .get(BASE + "/feedback").then().statusCode(200).extract().jsonPath()))
                .containsExactly("user_rating|null|3|null", "user_rating|chat|1|null");

        // A number too large for a double is no numeric value; a large one added and deleted leaves the sum exact.
        String huge = feedback(s2b, "score", "1e400", null);
        String big = feedback(s2b, "score", "1e17", null);
        given().delete("/api/3.0/mlflow/traces/" + s2b + "/assessments/" + big).then().statusCode(200);
        assertThat(rows(q().queryParam("name", "score").get(BASE + "/feedback").then().statusCode(200).extract()
                .jsonPath())).containsExactly("score|null|3|0.7");
        given().delete("/api/3.0/mlflow/traces/" + s2b + "/assessments/" + huge).then().statusCode(200);

        // Feedback overridden, feedback deleted, trace deleted.
        String id = feedback(s1.get(1), "user_rating", "true", "Changed my mind");
        given().delete("/api/3.0/mlflow/traces/" + s1.get(1) + "/assessments/" + id).then().statusCode(200);
        given().contentType("application/json").body("""
                {"experiment_id": "%s", "request_ids": ["%s"]}""".formatted(exp, s2a))
                .post("/api/2.0/mlflow/traces/delete-traces").then().statusCode(200);
        assertThat(rows(q().queryParam("group_by", "metadata.app_version").get(BASE + "/feedback").then()
                .statusCode(200).extract().jsonPath()))
                .containsExactly("score|2.0|1|0.9", "user_rating|1.0|3|null");

        Row diff = pool.preparedQuery("""
                WITH fb AS (SELECT * FROM assessments WHERE kind = 'FEEDBACK' AND valid AND experiment_id = $1),
                d AS (SELECT fb.*, '-' AS dim, '' AS k, '' AS v FROM fb
                      UNION ALL SELECT fb.*, 'm', m.key, left(m.value, 256) FROM fb JOIN trace_metadata m USING (trace_id)
                          WHERE tb_rollup_key(m.key)
                      UNION ALL SELECT fb.*, 't', g.key, left(g.value, 256) FROM fb JOIN trace_tags g USING (trace_id)
                          WHERE tb_rollup_key(g.key)),
                truth AS (SELECT dim, k, tb_hour(trace_time) AS h, name::text, v, count(*) AS cnt,
                              count(*) FILTER (WHERE tb_feedback_sign(value_text) = 1) AS pos,
                              count(*) FILTER (WHERE tb_feedback_sign(value_text) = -1) AS neg,
                              count(value_number) AS nc, round(coalesce(sum(value_number::numeric), 0), 6) AS ns
                          FROM d GROUP BY 1, 2, 3, 4, 5),
                roll AS (SELECT dim::text, dim_key::text, hour_ms, name::text, dim_value::text, sum(cnt), sum(pos),
                             sum(neg), sum(num_cnt), round(sum(num_sum)::numeric, 6) FROM feedback_rollup
                         WHERE experiment_id = $1 GROUP BY 1, 2, 3, 4, 5 HAVING sum(cnt) <> 0)
                SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM roll) x),
                       (SELECT count(*) FROM (SELECT * FROM roll EXCEPT SELECT * FROM truth) y),
                       (SELECT count(*) FROM truth)
                """).execute(Tuple.of(Long.parseLong(exp))).await().indefinitely().iterator().next();
        assertThat(diff.getLong(2)).as("rollup rows").isGreaterThan(5);
        assertThat(List.of(diff.getLong(0), diff.getLong(1))).as("rows only in the recount, only in the rollup")
                .containsExactly(0L, 0L);
    }

    private static void setTag(String traceId, String key, String value) {
        given().contentType("application/json").body("{\"key\": \"" + key + "\", \"value\": \"" + value + "\"}")
                .patch("/api/3.0/mlflow/traces/" + traceId + "/tags").then().statusCode(200);
    }

    private static List<String> rows(JsonPath j) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < j.getList("feedback").size(); i++) {
            out.add(j.getString("feedback[" + i + "].name") + "|" + j.getString("feedback[" + i + "].group") + "|"
                    + j.getInt("feedback[" + i + "].count") + "|" + j.getString("feedback[" + i + "].mean"));
        }
        return out;
    }

    @Test
    void feedbackTimelineInHourlyAndDailyBuckets() {
        JsonPath h = q().queryParam("interval", "hour").queryParam("name", "score").get(BASE + "/feedback/timeline")
                .then().statusCode(200).extract().jsonPath();
        assertThat(h.getLong("interval_ms")).isEqualTo(3_600_000L);
        assertThat(h.getList("points.bucket_start_ms", Long.class)).containsExactly(T0, T0 + 7_200_000);
        assertThat(h.getDouble("points[0].mean")).isEqualTo(0.5);
        assertThat(h.getDouble("points[1].mean")).isEqualTo(0.9);

        JsonPath d = q().get(BASE + "/feedback/timeline").then().statusCode(200).extract().jsonPath();
        assertThat(d.getLong("interval_ms")).isEqualTo(86_400_000L);
        assertThat(d.getList("points.name")).containsExactly("score", "user_rating");
        assertThat(d.getInt("points[1].count")).isEqualTo(4);
        assertThat(d.getDouble("points[1].positive_share")).isEqualTo(0.75);
    }

    /** Feedback follows its trace's request time when an earlier span arrives in a later batch. */
    @Test
    void feedbackTimeFollowsTheTrace() {
        String late = Traces.turn(exp, new Traces.Turn("chat", "u9", "s9", null, T0 + 50_000_000, "q", "a", Map.of(), false));
        feedback(late, "user_rating", "true", null);
        given().contentType("application/json").body("""
                {"trace": {"trace_info": {"trace_id": "%s", "trace_location": {"type": "MLFLOW_EXPERIMENT",
                  "mlflow_experiment": {"experiment_id": "%s"}}, "request_time": "2026-01-01T00:00:01Z",
                  "execution_duration": "1s", "state": "OK"}}}""".formatted(late, exp))
                .post("/api/3.0/mlflow/traces").then().statusCode(200);
        Row r = pool.preparedQuery("SELECT a.trace_time, t.request_time FROM assessments a JOIN traces t USING (trace_id) "
                + "WHERE a.trace_id = $1").execute(Tuple.of(late)).await().indefinitely().iterator().next();
        assertThat(r.getLong(0)).isEqualTo(T0 + 1_000).isEqualTo(r.getLong(1));
        assertThat(q().queryParam("interval", "hour").queryParam("end_time_ms", T0 + 3_600_000)
                .get(BASE + "/feedback/timeline").then().statusCode(200).extract().jsonPath()
                .getList("points.count", Integer.class)).containsExactly(1, 5);
    }

    @Test
    void badRequestsGetMlflowErrors() {
        given().get(BASE + "/sessions").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("experiment_id"));
        given().queryParam("experiment_id", "987654321").get(BASE + "/users").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        q().queryParam("start_time_ms", "yesterday").get(BASE + "/sessions").then().statusCode(400)
                .body("message", containsString("start_time_ms"));
        q().queryParam("start_time_ms", T0).queryParam("end_time_ms", T0).get(BASE + "/feedback").then().statusCode(400)
                .body("message", containsString("must be after"));
        q().queryParam("start_time_ms", "9223372036854775000").get(BASE + "/feedback").then().statusCode(400)
                .body("message", containsString("years 1 to 9999"));
        q().queryParam("max_results", 0).get(BASE + "/users").then().statusCode(400);
        q().queryParam("max_results", 501).get(BASE + "/sessions").then().statusCode(400);
        q().queryParam("page_token", "not-a-token").get(BASE + "/users").then().statusCode(400)
                .body("message", containsString("page token"));
        q().queryParam("group_by", "app_version").get(BASE + "/feedback").then().statusCode(400)
                .body("message", containsString("metadata.<key>"));
        q().queryParam("group_by", "span.name").get(BASE + "/feedback").then().statusCode(400);
        q().queryParam("interval", "week").get(BASE + "/feedback/timeline").then().statusCode(400)
                .body("message", containsString("hour, day"));
        q().queryParam("interval", "hour").queryParam("start_time_ms", 0).queryParam("end_time_ms", T0)
                .get(BASE + "/feedback/timeline").then().statusCode(400).body("message", containsString("buckets"));
    }

    /** The picker's list: most recently active first, with exact trace counts and the newest trace's time. */
    @Test
    void experimentsByActivity() {
        String quiet = Experiments.create("activity-none");
        String older = Experiments.create("activity-older");
        String newer = Experiments.create("activity-newer");
        Traces.send(older, "a", null);
        Traces.send(older, "b", null);
        String last = Traces.send(newer, "c", null);
        JsonPath r = given().get("/api/tracebridge/v1/analytics/experiments").then().statusCode(200).extract().jsonPath();
        List<String> ids = r.getList("experiments.experiment_id");
        assertThat(ids.get(0)).isEqualTo(newer);
        assertThat(ids).containsSubsequence(newer, older, quiet);
        Map<String, Object> n = r.getMap("experiments.find { it.experiment_id == '" + newer + "' }");
        Map<String, Object> o = r.getMap("experiments.find { it.experiment_id == '" + older + "' }");
        Map<String, Object> q = r.getMap("experiments.find { it.experiment_id == '" + quiet + "' }");
        assertThat(n.get("trace_count")).isEqualTo(1);
        assertThat(o.get("trace_count")).isEqualTo(2);
        assertThat(q.get("trace_count")).isEqualTo(0);
        assertThat(q.get("last_trace_time_ms")).isNull();
        assertThat(n.get("trace_count_capped")).isEqualTo(false);
        long lastTime = io.tracebridge.support.Db.rows(pool, "SELECT request_time FROM traces WHERE trace_id = $1", last)
                .get(0).getLong("request_time");
        assertThat(((Number) n.get("last_trace_time_ms")).longValue()).isEqualTo(lastTime);
        // Deleted experiments are not offered.
        given().contentType("application/json").body("{\"experiment_id\": \"" + quiet + "\"}")
                .post("/api/2.0/mlflow/experiments/delete").then().statusCode(200);
        assertThat(given().get("/api/tracebridge/v1/analytics/experiments").then().statusCode(200).extract().jsonPath()
                .getList("experiments.experiment_id")).doesNotContain(quiet);
        given().queryParam("max_results", "x").get("/api/tracebridge/v1/analytics/experiments").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }
}

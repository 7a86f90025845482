package io.tracebridge.search;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.tracebridge.support.Db;
import io.tracebridge.support.TracesLock;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Searches get a share of the database's time (TRACEBRIDGE_SEARCH_DB_SHARE), not only a pool:
 * cheap ones pass however many come, long ones are let in while the burst lasts, the next waits
 * for them, and once they have emptied the bucket the next is refused with a retryable 503 at
 * once, not queued until its time limit (the bucket over time: store.SearchBudgetTest; every way
 * a statement ends: store.SearchStatementsBudgetTest). The
 * long statements are long for real, held by a lock on the traces table from another connection.
 */
@QuarkusTest
@TestProfile(SearchShareTest.SmallShare.class)
class SearchShareTest {
    private static final String SEARCH = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":"
            + "{\"experiment_id\":\"0\"}}],\"filter\":\"trace.text ILIKE '%needle%'\",\"max_results\":10}";
    private static final String CHEAP = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":"
            + "{\"experiment_id\":\"0\"}}],\"filter\":\"attributes.client_request_id = 'share-req'\",\"max_results\":10}";

    /** 2 s limit, pool of 2: a burst of 4 s of statement time, refilled at 1 s per 1,000 s. */
    public static class SmallShare implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.search.timeout", "2s", "tracebridge.search.db-share", "0.001",
                    "quarkus.datasource.search.reactive.max-size", "2");
        }
    }

    @Inject
    Pool pool;

    @Test
    @Timeout(60)
    void longSearchesGetTheShareAndAreThenRefusedAtOnceWhileCheapOnesAndIngestCarryOn() throws Exception {
        Traces.send("0", "share-search", "share-req");
        // 50 cheap searches in a row take a millisecond or so each of a 4 s burst: none is held back.
        for (int i = 0; i < 50; i++) {
            given().contentType("application/json").body(CHEAP).post("/api/3.0/mlflow/traces/search").then()
                    .statusCode(200).body("traces.size()", equalTo(1));
        }
        assertThat(throttled("refused")).isZero();
        assertThat(throttled("waited")).isZero();

        TracesLock lock = TracesLock.take(pool);
        try {
            // Two long ones take the two reservations a full bucket has, and run to their limit.
            List<CompletableFuture<Response>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(CompletableFuture.supplyAsync(SearchShareTest::search));
                TracesLock.awaitBlocked(pool, i + 1, 3_000);
            }
            for (CompletableFuture<Response> f : held) {
                f.get().then().statusCode(400).body("message", containsString("did not finish within 2 s"));
            }
            // At most one more long search can still find crumbs (and spends them, running to its
            // limit); then the bucket is in debt at 0.001 s per second, and no time limit of 2 s
            // can wait for it.
            Response refused = null;
            long ms = 0;
            for (int i = 0; i < 2 && (refused == null || refused.statusCode() == 400); i++) {
                long start = System.nanoTime();
                refused = search();
                ms = (System.nanoTime() - start) / 1_000_000;
            }
            refused.then().statusCode(503).header("Retry-After", matchesPattern("[1-9][0-9]*"))
                    .body("error_code", equalTo("TEMPORARILY_UNAVAILABLE"))
                    .body("message", containsString("TRACEBRIDGE_SEARCH_DB_SHARE=0.001"))
                    .body("message", containsString("retry in about"));
            assertThat(ms).as("refused at once, not after the 2 s limit").isLessThan(1_000);
        } finally {
            lock.close();
        }
        // Cheap or long, searches and analytics are refused until the bucket has refilled.
        given().contentType("application/json").body(CHEAP).post("/api/3.0/mlflow/traces/search").then().statusCode(503);
        given().get("/api/tracebridge/v1/analytics/sessions?experiment_id=0").then().statusCode(503)
                .body("error_code", equalTo("TEMPORARILY_UNAVAILABLE"));
        // Ingest, on its own connections, is outside the budget.
        String ingested = Traces.send("0", "share-ingest-meanwhile", null);
        assertThat(throttled("refused")).isGreaterThanOrEqualTo(3);
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", ingested)).isEqualTo(1);
    }

    private static Response search() {
        return given().contentType("application/json").body(SEARCH).post("/api/3.0/mlflow/traces/search");
    }

    private static double throttled(String outcome) {
        String metrics = given().get("/q/metrics").asString();
        Matcher m = Pattern.compile("^tracebridge_search_throttled_total\\{[^}]*outcome=\"" + outcome + "\"[^}]*} (\\S+)$",
                Pattern.MULTILINE).matcher(metrics);
        assertThat(m.find()).as("tracebridge_search_throttled_total{outcome=%s} in /q/metrics", outcome).isTrue();
        return Double.parseDouble(m.group(1));
    }
}

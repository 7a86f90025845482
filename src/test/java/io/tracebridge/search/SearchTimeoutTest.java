package io.tracebridge.search;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.tracebridge.support.TracesLock;
import io.tracebridge.support.Traces;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A search or analytics statement never outlives its time limit nor its caller. The statements
 * are held up for real, by a lock on the traces table taken from another connection, so what is
 * seen in pg_stat_activity is PostgreSQL's own view of the search's backend.
 */
@QuarkusTest
@TestProfile(SearchTimeoutTest.ShortTimeout.class)
class SearchTimeoutTest {
    private static final String SEARCH = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":"
            + "{\"experiment_id\":\"0\"}}],\"filter\":\"trace.text ILIKE '%needle%'\",\"max_results\":10}";

    public static class ShortTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tracebridge.search.timeout", "3s");
        }
    }

    @Inject
    Pool pool;

    @Test
    @Timeout(60)
    void aSearchPastItsTimeLimitAnswers400AndStopsInPostgres() throws Exception {
        Traces.send("0", "timeout-search", null);
        TracesLock lock = TracesLock.take(pool);
        try {
            long start = System.nanoTime();
            given().contentType("application/json").body(SEARCH).post("/api/3.0/mlflow/traces/search").then()
                    .statusCode(400).body("error_code", equalTo("BAD_REQUEST"))
                    .body("message", containsString("did not finish within 3 s"))
                    .body("message", containsString("narrow the filter or the time range"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(2_900L, 6_000L);
            TracesLock.awaitNoneBlocked(pool, 2_000);
            // Analytics statements are bounded the same way.
            given().get("/api/tracebridge/v1/analytics/sessions?experiment_id=0").then().statusCode(400)
                    .body("message", containsString("TRACEBRIDGE_SEARCH_TIMEOUT"));
            TracesLock.awaitNoneBlocked(pool, 2_000);
        } finally {
            lock.close();
        }
        // The pool is healthy afterwards: the same search answers.
        given().contentType("application/json").body(SEARCH).post("/api/3.0/mlflow/traces/search").then().statusCode(200);
    }

    /** A caller that disconnects takes its statement with it, long before the time limit. */
    @Test
    @Timeout(60)
    void aSearchWhoseClientGoesAwayIsCancelled() throws Exception {
        TracesLock lock = TracesLock.take(pool);
        try {
            byte[] body = SEARCH.getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket("localhost", RestAssured.port)) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/3.0/mlflow/traces/search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                TracesLock.awaitBlocked(pool, 1, 2_000);
            }
            // Socket closed well within the 3 s limit: the statement must be gone within one second.
            TracesLock.awaitNoneBlocked(pool, 1_000);
        } finally {
            lock.close();
        }
    }
}

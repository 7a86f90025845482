package io.tracebridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * Keeps the load generator from rotting: a two-second run per transport against the service
 * under test, checking that everything acknowledged is in the database. Not a benchmark.
 */
@QuarkusTest
class LoadGeneratorSmokeTest {

    @Test
    void shortRunOverBothTransports() throws Exception {
        var config = ConfigProvider.getConfig();
        String jdbc = "jdbc:postgresql://" + config.getValue("tracebridge.db.host", String.class) + ":"
                + config.getValue("tracebridge.db.port", Integer.class) + "/"
                + config.getValue("tracebridge.db.name", String.class);
        for (String transport : new String[] {"http", "grpc"}) {
            LoadGenerator.Config c = LoadGenerator.Config.parse(Map.of(
                    "transport", transport,
                    "http", "http://localhost:" + RestAssured.port,
                    "grpc", "http://localhost:" + config.getValue("quarkus.grpc.server.test-port", Integer.class),
                    "concurrency", "2", "batch", "50", "seconds", "2", "jdbc", jdbc));
            LoadGenerator.Report r = LoadGenerator.run(c, true);
            assertThat(r.failedRequests()).as(r.format()).isZero();
            assertThat(r.spansAcked()).as(r.format()).isPositive();
            assertThat(r.storedSpans()).as(r.format()).isEqualTo(r.spansAcked());
        }
    }
}

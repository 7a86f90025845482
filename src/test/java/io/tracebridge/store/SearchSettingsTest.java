package io.tracebridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracebridge.ops.TracebridgeConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/** The backstop statement timeout is read as PostgreSQL reads it, and must lie above the time limit. */
class SearchSettingsTest {
    private static TracebridgeConfig.Search search(String timeout, String backstop) {
        return new TracebridgeConfig.Search() {
            @Override
            public Duration timeout() {
                return Duration.parse("PT" + timeout.toUpperCase());
            }

            @Override
            public double dbShare() {
                return 0.25;
            }

            @Override
            public String statementTimeout() {
                return backstop;
            }
        };
    }

    @Test
    void aBackstopAboveTheTimeLimitIsTaken() {
        assertThat(SearchStatements.checkedTimeout(search("5s", "60s"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(SearchStatements.checkedTimeout(search("5s", "5001ms"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(SearchStatements.checkedTimeout(search("120s", "1h"))).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void aBackstopAtOrBelowTheTimeLimitOrInAnotherFormStopsTheStart() {
        assertThatThrownBy(() -> SearchStatements.checkedTimeout(search("5s", "5s")))
                .hasMessageContaining("must be above TRACEBRIDGE_SEARCH_TIMEOUT (5 s)");
        assertThatThrownBy(() -> SearchStatements.checkedTimeout(search("120s", "60s")))
                .hasMessageContaining("TRACEBRIDGE_SEARCH_STATEMENT_TIMEOUT (60s)");
        for (String bad : new String[] {"PT60S", "1min", "60", "-5s", "1e3s", "60 s; DROP TABLE x", ""}) {
            assertThatThrownBy(() -> SearchStatements.checkedTimeout(search("5s", bad))).as(bad)
                    .hasMessageContaining("TRACEBRIDGE_SEARCH_STATEMENT_TIMEOUT must be a number with ms, s or h");
        }
    }
}

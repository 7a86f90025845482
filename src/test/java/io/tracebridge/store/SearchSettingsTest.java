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
    void aBackstopAtOrBelowTheTimeLimitIsOnlyWarnedAbout() {
        // An upgrade with a long TRACEBRIDGE_SEARCH_TIMEOUT still starts: PostgreSQL ends the
        // statement first, which answers the same 400.
        assertThat(SearchStatements.checkedTimeout(search("120s", "60s"))).isEqualTo(Duration.ofSeconds(120));
        assertThat(SearchStatements.checkedTimeout(search("5s", "5s"))).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aBackstopPostgresWouldReadOtherwiseOrRefuseStopsTheStart() {
        assertThat(SearchStatements.checkedTimeout(search("5s", "596h"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(SearchStatements.checkedTimeout(search("5s", "2147483647ms"))).isEqualTo(Duration.ofSeconds(5));
        for (String bad : new String[] {"PT60S", "1min", "60", "-5s", "1e3s", "60 s; DROP TABLE x", "", " 60s",
                "060s", "08s", "0s", "597h", "2147484s", "999999999h"}) {
            assertThatThrownBy(() -> SearchStatements.checkedTimeout(search("5s", bad))).as(bad)
                    .hasMessageContaining("TRACEBRIDGE_SEARCH_STATEMENT_TIMEOUT must be a number without a leading zero");
        }
    }
}

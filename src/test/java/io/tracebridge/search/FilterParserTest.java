package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracebridge.model.MlflowException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

class FilterParserTest {

    @Test
    void parsesPrefixesQuotedKeysAndComparators() {
        List<Clause> c = FilterParser.parse("tags.`mlflow.traceName` = 'x' and trace.timestamp_ms > 17 "
                + "AND span.attributes.model_version LIKE \"%v2%\" AND status IN ('OK', 'ERROR') "
                + "AND tag.reviewed IS NULL AND metadata.`mlflow.trace.session` IS NOT NULL AND name NOT IN ('a')");
        assertThat(c).hasSize(7);
        assertThat(c.get(0)).isEqualTo(new Clause("tags", "mlflow.traceName", Comparator.EQ, "x", true));
        assertThat(c.get(1)).isEqualTo(new Clause("trace", "timestamp_ms", Comparator.GT, new BigDecimal("17"), false));
        assertThat(c.get(2)).isEqualTo(new Clause("span", "attributes.model_version", Comparator.LIKE, "%v2%", true));
        assertThat(c.get(3).listValue()).containsExactly("OK", "ERROR");
        assertThat(c.get(4).comparator()).isEqualTo(Comparator.IS_NULL);
        assertThat(c.get(5).comparator()).isEqualTo(Comparator.IS_NOT_NULL);
        assertThat(c.get(6).comparator()).isEqualTo(Comparator.NOT_IN);
    }

    @Test
    void rejectsWhatMlflowRejects() {
        assertInvalid("trace.status = 'OK' OR trace.status = 'ERROR'", "OR");
        assertInvalid("trace.status = 'OK'; DROP TABLE x", "multiple expression");
        assertInvalid("name = 'unterminated", "unterminated quote");
        assertInvalid("name IN ('a', 1)", "expected string value");
        assertInvalid("name ~ 'a'", "unexpected character");
        assertInvalid("name 'a'", "Invalid clause(s) in filter string: 'name', ''a''");
        assertInvalid("= 'a'", "Invalid clause(s) in filter string: '=', ''a''");
    }

    @Test
    void emptyFilterHasNoClauses() {
        assertThat(FilterParser.parse(null)).isEmpty();
        assertThat(FilterParser.parse("  ")).isEmpty();
    }

    private static void assertInvalid(String filter, String messagePart) {
        assertThatThrownBy(() -> FilterParser.parse(filter)).isInstanceOf(MlflowException.class)
                .hasMessageContaining(messagePart);
    }
}

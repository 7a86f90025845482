package io.tracebridge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracebridge.analytics.GroupOrder;
import io.tracebridge.analytics.ModelPrices;
import io.tracebridge.model.MlflowException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

/** The price table's format (TRACEBRIDGE_MODEL_PRICES) and the lists' order_by. */
class ModelPricesTest {

    @Test
    void exactNamesBeatPrefixesAndLongerPrefixesBeatShorterOnes() {
        ModelPrices p = ModelPrices.parse(" gpt-4o*=2.50:10.00 , gpt-4o-mini*=0.15:0.60,gpt-4o=3:12,llama3:8b=0:0,meta/llama-3=0.2:0.2,");
        assertThat(p.of("gpt-4o").input()).isEqualByComparingTo("3");
        assertThat(p.of("gpt-4o-2024-08-06").output()).isEqualByComparingTo("10.00");
        assertThat(p.of("gpt-4o-mini-2024-07-18").input()).isEqualByComparingTo("0.15");
        assertThat(p.of("llama3:8b").input()).as("a name with a colon").isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(p.of("meta/llama-3").output()).isEqualByComparingTo("0.2");
        assertThat(p.of("gpt-3.5-turbo")).isNull();
        assertThat(p.of(null)).isNull();
        assertThat(p.prices()).hasSize(5);
        assertThat(ModelPrices.parse("").isEmpty()).isTrue();
        assertThat(ModelPrices.parse(null).isEmpty()).isTrue();
    }

    @Test
    void malformedEntriesAreRefusedNamingTheEntry() {
        for (String bad : new String[] {"gpt-4o", "=1:2", "gpt-4o=1", "gpt-4o=1:2:3", "gpt-4o=-1:2", "gpt-4o=1e3:2",
                "gpt-4o=abc:2", "gpt*4o=1:2", "*=1:2", "gpt-4o=1:2,gpt-4o=3:4", "gpt-4o=1000001:1",
                "gpt-4o=" + "9".repeat(400) + ":1"}) {
            assertThatThrownBy(() -> ModelPrices.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("TRACEBRIDGE_MODEL_PRICES");
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= ModelPrices.MAX_ENTRIES; i++) {
            many.append("m").append(i).append("=1:1,");
        }
        assertThatThrownBy(() -> ModelPrices.parse(many.toString())).hasMessageContaining("more than");
    }

    @Test
    void orderByReadsAColumnAndADirection() {
        assertThat(GroupOrder.parse(null)).isEqualTo(GroupOrder.DEFAULT);
        assertThat(GroupOrder.parse(" ").isDefault()).isTrue();
        assertThat(GroupOrder.parse("last_activity desc").isDefault()).isTrue();
        assertThat(GroupOrder.parse("cost")).isEqualTo(new GroupOrder(GroupOrder.Column.COST, true));
        assertThat(GroupOrder.parse("P95_LATENCY_MS  asc")).isEqualTo(new GroupOrder(GroupOrder.Column.P95_LATENCY, false));
        assertThat(GroupOrder.parse("turns").column()).isEqualTo(GroupOrder.Column.TRACES);
        for (String bad : new String[] {"cost;", "cost up", "a b c", "trace_id", "x".repeat(10_000)}) {
            assertThatThrownBy(() -> GroupOrder.parse(bad)).as(bad).isInstanceOf(MlflowException.class)
                    .hasMessageContaining("total_tokens").hasMessageNotContaining("x".repeat(200));
        }
    }
}

package io.tracebridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.TraceSearch;

import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the trace search compiler: filter string, order_by and
 * page token. The only acceptable failure is an {@link MlflowException} (answered 400); any
 * other exception or a hang is a finding. The SQL itself is checked against PostgreSQL by
 * {@code io.tracebridge.search.FilterFuzzTest}.
 */
class FilterCompilerFuzzTest {

    @Timeout(value = FuzzLimits.INPUT_TIMEOUT_SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "30s")
    void compile(FuzzedDataProvider data) {
        String orderBy = data.consumeString(60);
        String token = data.consumeBoolean() ? null : data.consumeString(80);
        String filter = data.consumeRemainingAsString();
        try {
            TraceSearch.compile(List.of(1L, 2L), filter, orderBy.isEmpty() ? List.of() : List.of(orderBy), 100, token);
        } catch (MlflowException expected) {
            // an invalid request: a 400 answer
        }
    }
}

package io.tracebridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.TraceSearch;
import io.tracebridge.store.PgTraceQuery;

import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the trace search compiler: filter string, order_by and
 * page token. The only acceptable failure is an {@link MlflowException} (answered 400); any
 * other exception or a hang is a finding. The regression run replays the seeds in
 * {@code src/test/resources/io/tracebridge/fuzz/FilterCompilerFuzzTestInputs/compile/}: the
 * filters of MLflow's user guide and of docs/mlflow-compatibility.md §5.5–§5.6, valid and invalid. The SQL itself is checked against PostgreSQL by
 * {@code io.tracebridge.search.FilterFuzzTest}.
 */
class FilterCompilerFuzzTest {

    @Timeout(value = FuzzLimits.INPUT_TIMEOUT_SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "30s")
    void compile(FuzzedDataProvider data) {
        // Lines of text, so that seeds are readable files (FilterCompilerFuzzTestInputs/compile/):
        // the filter, then the order_by clause, then the page token (absent or empty: none).
        String[] parts = data.consumeRemainingAsString().split("\n", 3);
        String filter = parts[0];
        String orderBy = parts.length > 1 ? parts[1] : "";
        String token = parts.length > 2 && !parts[2].isEmpty() ? parts[2] : null;
        try {
            // The query, and its SQL: whatever the search accepts, the adapter must compile.
            PgTraceQuery.compile(TraceSearch.compile(List.of(1L, 2L), filter,
                    orderBy.isEmpty() ? List.of() : List.of(orderBy), 100, token));
        } catch (MlflowException expected) {
            // an invalid request: a 400 answer
        }
    }
}

package io.tracebridge.store;

import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.analytics.GroupKey;
import io.tracebridge.support.Db;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rules written both in SQL (the migrations, as the live database has them) and in Java agree:
 * which trace keys {@code feedback_rollup} holds ({@code tb_rollup_key} and
 * {@link PgAnalyticsStore#rolledUp}), and how many leading characters of a value the indexes and the
 * rollup use ({@code left(..., n)} and {@link Schema#INDEXED_PREFIX_CHARS}). Feedback polarity,
 * written in SQL and in the explorer's JavaScript, is compared by {@code ExplorerBrowserIT}.
 */
@QuarkusTest
class SchemaRulesAgreeTest {
    private static final Pattern LEFT = Pattern.compile("left\\(([^()]+?),\\s*(\\d+)\\)", Pattern.CASE_INSENSITIVE);

    @Inject
    Pool pool;

    @Test
    void rolledUpKeysAreTheSameInSqlAndJava() {
        String definition = Db.rows(pool, "SELECT pg_get_functiondef('tb_rollup_key'::regproc)").get(0).getString(0);
        Matcher in = Pattern.compile("IN \\(([^)]*)\\)").matcher(definition);
        assertThat(in.find()).as("tb_rollup_key lists reserved keys: %s", definition).isTrue();
        Set<String> sqlReserved = new LinkedHashSet<>();
        Matcher quoted = Pattern.compile("'([^']*)'").matcher(in.group(1));
        while (quoted.find()) {
            sqlReserved.add(quoted.group(1));
        }
        assertThat(sqlReserved).isEqualTo(Schema.ROLLED_UP_RESERVED_KEYS);

        List<String> keys = new ArrayList<>(sqlReserved);
        keys.addAll(List.of("app_version", "environment", "mlflow.trace.user", "mlflow.trace.session",
                "mlflow.sourceRun", "mlflow.trace.tokenUsage", "mlflow.", "mlflowx", "MLFLOW.upper", "région"));
        for (String key : keys) {
            boolean sql = Db.rows(pool, "SELECT tb_rollup_key($1)", key).get(0).getBoolean(0);
            for (GroupKey.Source source : List.of(GroupKey.Source.METADATA, GroupKey.Source.TAG)) {
                assertThat(PgAnalyticsStore.rolledUp(new GroupKey(source, key))).as("%s %s", source, key).isEqualTo(sql);
            }
        }
    }

    @Test
    void everyValuePrefixIsTheNamedOne() {
        List<String> sources = new ArrayList<>();
        for (Row r : Db.rows(pool, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")) {
            sources.add(r.getString(0));
        }
        for (Row r : Db.rows(pool, "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE n.nspname = 'public'")) {
            sources.add(r.getString(0));
        }
        int found = 0;
        for (String source : sources) {
            Matcher m = LEFT.matcher(source.replace("\"left\"", "left"));
            while (m.find()) {
                found++;
                assertThat(Integer.parseInt(m.group(2))).as("%s in %s", m.group(), source)
                        .isEqualTo(Schema.INDEXED_PREFIX_CHARS);
            }
        }
        // The four value indexes and the rollup's trigger functions.
        assertThat(found).isGreaterThanOrEqualTo(8);
    }
}

package io.tracebridge.store;

/**
 * Facts of the PostgreSQL schema (the Flyway migrations, docs/schema.md) that Java code must
 * agree with, named once. {@code SchemaRulesAgreeTest} checks them against the migrations and
 * the live database.
 */
public final class Schema {
    /**
     * How many leading characters of a tag, metadata, assessment or span-name value the value
     * indexes cover ({@code left(value, 256)}), and the length on which feedback is grouped in
     * {@code feedback_rollup}: an equality also compares that prefix so that the index applies,
     * and a live grouping cuts values where the rollup does.
     */
    public static final int INDEXED_PREFIX_CHARS = 256;

    /**
     * The reserved {@code mlflow.*} metadata and tag keys that {@code feedback_rollup} holds
     * (keys of one value per trace, worth grouping by); every other key is rolled up unless it
     * starts with {@code mlflow.}. The SQL function {@code tb_rollup_key} lists the same.
     */
    public static final java.util.Set<String> ROLLED_UP_RESERVED_KEYS = java.util.Set.of("mlflow.source.type",
            "mlflow.source.name", "mlflow.traceName", "mlflow.user", "mlflow.modelId");

    private Schema() {
    }
}

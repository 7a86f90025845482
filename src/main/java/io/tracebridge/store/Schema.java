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

    private Schema() {
    }
}

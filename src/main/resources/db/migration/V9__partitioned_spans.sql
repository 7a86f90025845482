-- Spans partitioned by day (docs/partitioning.md). A trace is given the UTC day on which it was
-- first stored (traces.span_part, never changed afterwards), and all of its spans live in that
-- day's partition, whenever they arrive: a re-sent span meets its first copy in the same
-- partition's primary key, and a trace's spans are found by (trace_id, span_part) in one
-- partition (run-time partition pruning on the join with traces). The service creates the
-- partitions ahead of time and drops them once every trace in them has expired
-- (store.SpanPartitionStore).
--
-- Existing spans become the partition spans_legacy (all with span_part 1970-01-01): the table is
-- not rewritten. The migration reads it once to check the partition bound and builds its new
-- primary key once; ingest waits for that (docs/partitioning.md gives the time per million spans).
-- The foreign key to traces goes: a cascade would probe every partition for every deleted trace,
-- so the deletes of store.* remove a trace's spans themselves, by (trace_id, span_part).
ALTER TABLE traces ADD COLUMN span_part date NOT NULL DEFAULT DATE '1970-01-01';
ALTER TABLE traces ALTER COLUMN span_part DROP DEFAULT;
-- Finds the traces of one partition, per experiment with their newest request time (expiry).
CREATE INDEX traces_span_part_idx ON traces (span_part, experiment_id, request_time);

ALTER TABLE spans DROP CONSTRAINT spans_trace_id_fkey;
ALTER TABLE spans RENAME TO spans_legacy;
ALTER INDEX spans_type_idx RENAME TO spans_legacy_type_idx;
ALTER INDEX spans_name_idx RENAME TO spans_legacy_name_idx;
ALTER INDEX spans_token_usage_idx RENAME TO spans_legacy_token_usage_idx;
ALTER TABLE spans_legacy ADD COLUMN span_part date NOT NULL DEFAULT DATE '1970-01-01';
ALTER TABLE spans_legacy ALTER COLUMN span_part DROP DEFAULT;
ALTER TABLE spans_legacy ADD CONSTRAINT spans_legacy_part
    CHECK (span_part >= DATE '1970-01-01' AND span_part < DATE '1970-01-02');
ALTER TABLE spans_legacy DROP CONSTRAINT spans_pkey;
ALTER TABLE spans_legacy ADD CONSTRAINT spans_legacy_pkey PRIMARY KEY (trace_id, span_id, span_part);

CREATE TABLE spans (
    trace_id       varchar(64) NOT NULL,
    span_id        varchar(16) NOT NULL,
    parent_span_id varchar(16),
    name           text        NOT NULL,
    span_type      text        NOT NULL,
    status         varchar(16) NOT NULL,
    start_time_ns  bigint      NOT NULL,
    end_time_ns    bigint,
    content        text        NOT NULL,
    input_tokens   bigint,
    output_tokens  bigint,
    total_tokens   bigint,
    span_part      date        NOT NULL
) PARTITION BY RANGE (span_part);
-- The key before the attach, so that the legacy partition's key (built above) is taken over.
ALTER TABLE spans ADD CONSTRAINT spans_pkey PRIMARY KEY (trace_id, span_id, span_part);
ALTER TABLE spans ATTACH PARTITION spans_legacy FOR VALUES FROM (DATE '1970-01-01') TO (DATE '1970-01-02');
-- The same indexes as before (V2, V7); the legacy partition's own are taken over, not rebuilt.
CREATE INDEX spans_type_idx ON spans (span_type, trace_id);
CREATE INDEX spans_name_idx ON spans (left(name, 256), trace_id);
CREATE INDEX spans_token_usage_idx ON spans (trace_id, span_id)
    INCLUDE (parent_span_id, input_tokens, output_tokens, total_tokens)
    WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL;
ALTER TABLE spans_legacy DROP CONSTRAINT spans_legacy_part;

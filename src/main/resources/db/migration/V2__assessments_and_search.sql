-- Assessments (contract §1.6). The value is kept as JSON text (any JSON type round-trips), plus
-- derived columns for search: value_text is the string itself for a JSON string and the JSON
-- text otherwise; value_number is set for JSON numbers.
CREATE TABLE assessments (
    assessment_id     varchar(64)  PRIMARY KEY,
    trace_id          varchar(64)  NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    name              varchar(250) NOT NULL,
    kind              varchar(16)  NOT NULL CHECK (kind IN ('FEEDBACK', 'EXPECTATION')),
    value_json        text,
    value_text        text,
    value_number      double precision,
    serialized_format varchar(64),
    error_json        text,
    rationale         text,
    source_type       varchar(32)  NOT NULL,
    source_id         text         NOT NULL DEFAULT '',
    span_id           varchar(16),
    metadata_json     text         NOT NULL DEFAULT '{}',
    overrides         varchar(64),
    valid             boolean      NOT NULL DEFAULT true,
    create_time       bigint       NOT NULL,
    last_update_time  bigint       NOT NULL
);
CREATE INDEX assessments_trace_idx ON assessments (trace_id);
-- feedback.<name> / expectation.<name> filters only consider valid assessments.
CREATE INDEX assessments_search_idx ON assessments (kind, name, left(value_text, 256)) WHERE valid;

-- jsonb of a text, or NULL when it is not valid JSON: search can read JSON stored as text
-- without one malformed value failing the whole query.
CREATE FUNCTION tb_try_jsonb(t text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN t::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;

-- span.name / span.type / span.status filters look spans up per trace (the primary key's
-- leading trace_id column serves the correlated EXISTS); these serve the selective span filters.
CREATE INDEX spans_type_idx ON spans (span_type, trace_id);
CREATE INDEX spans_name_idx ON spans (left(name, 256), trace_id);
-- status filters and the default order within one experiment.
CREATE INDEX traces_experiment_state_time_idx ON traces (experiment_id, state, request_time DESC);

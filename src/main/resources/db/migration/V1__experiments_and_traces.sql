-- Experiments (MLflow contract §1.2). Experiment 0 is the "Default" experiment.
CREATE SEQUENCE experiment_id_seq START WITH 1 INCREMENT BY 1;

CREATE TABLE experiments (
    experiment_id     bigint       PRIMARY KEY,
    name              varchar(500) NOT NULL,
    artifact_location text         NOT NULL,
    lifecycle_stage   varchar(32)  NOT NULL DEFAULT 'active',
    creation_time     bigint       NOT NULL,
    last_update_time  bigint       NOT NULL,
    CONSTRAINT experiments_name_key UNIQUE (name)
);

CREATE TABLE experiment_tags (
    experiment_id bigint       NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key           varchar(250) NOT NULL,
    value         text         NOT NULL,
    PRIMARY KEY (experiment_id, key)
);

INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active',
        (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint);

-- Traces (TraceInfo V3, contract §1.3). Times are epoch ms. Session and user are kept in columns
-- (as MLflow's newest SQL store does for the session) and shown as trace_metadata on read.
-- The *_rank columns record who wrote a value (0 none, 1 resource or non-root span, 2 root
-- span, 3 explicit API call) so batches arriving in any order merge the same way.
CREATE TABLE traces (
    trace_id               varchar(64)  PRIMARY KEY,
    experiment_id          bigint       NOT NULL REFERENCES experiments (experiment_id),
    client_request_id      varchar(256),
    client_request_id_rank smallint     NOT NULL DEFAULT 0,
    session_id             varchar(256),
    session_rank           smallint     NOT NULL DEFAULT 0,
    user_id                varchar(256),
    user_rank              smallint     NOT NULL DEFAULT 0,
    request_time           bigint       NOT NULL,
    end_time               bigint,
    state                  varchar(32)  NOT NULL,
    has_root               boolean      NOT NULL DEFAULT false,
    request_preview        text,
    response_preview       text,
    info_finalized         boolean      NOT NULL DEFAULT false
);

CREATE INDEX traces_experiment_time_idx ON traces (experiment_id, request_time DESC, trace_id);
CREATE INDEX traces_client_request_id_idx ON traces (client_request_id, request_time DESC)
    WHERE client_request_id IS NOT NULL;
CREATE INDEX traces_session_idx ON traces (session_id, request_time DESC) WHERE session_id IS NOT NULL;
CREATE INDEX traces_user_idx ON traces (user_id, request_time DESC) WHERE user_id IS NOT NULL;

-- Metadata and tags. Values can be long, so the lookup indexes cover a 256-character prefix
-- (btree entries are limited to ~2.7 kB); queries compare the prefix and then the full value.
CREATE TABLE trace_metadata (
    trace_id varchar(64)  NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    key      varchar(250) NOT NULL,
    value    text         NOT NULL,
    rank     smallint     NOT NULL,
    PRIMARY KEY (trace_id, key)
);
CREATE INDEX trace_metadata_key_value_idx ON trace_metadata (key, left(value, 256));

CREATE TABLE trace_tags (
    trace_id varchar(64)  NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    key      varchar(250) NOT NULL,
    value    text         NOT NULL,
    rank     smallint     NOT NULL,
    PRIMARY KEY (trace_id, key)
);
CREATE INDEX trace_tags_key_value_idx ON trace_tags (key, left(value, 256));

-- Spans: typed columns for search plus the OTel proto-JSON document the read API returns.
CREATE TABLE spans (
    trace_id       varchar(64) NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    span_id        varchar(16) NOT NULL,
    parent_span_id varchar(16),
    name           text        NOT NULL,
    span_type      text        NOT NULL,
    status         varchar(16) NOT NULL,
    start_time_ns  bigint      NOT NULL,
    end_time_ns    bigint,
    content        text        NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);

-- Feedback posted by client request ID before its trace arrived (decision §8.7). It is attached
-- (becomes an assessment) when a trace with that client request ID is stored, or expires.
CREATE TABLE pending_feedback (
    pending_id        varchar(64)  PRIMARY KEY,
    client_request_id varchar(256) NOT NULL,
    experiment_id     bigint,
    name              varchar(250) NOT NULL,
    value_json        text         NOT NULL,
    value_text        text,
    value_number      double precision,
    rationale         text,
    source_type       varchar(32)  NOT NULL,
    source_id         text         NOT NULL DEFAULT '',
    metadata_json     text         NOT NULL DEFAULT '{}',
    status            varchar(16)  NOT NULL CHECK (status IN ('PENDING', 'ATTACHED', 'EXPIRED')),
    trace_id          varchar(64),
    assessment_id     varchar(64),
    create_time       bigint       NOT NULL,
    expires_at        bigint       NOT NULL,
    attached_at       bigint
);
CREATE INDEX pending_feedback_request_idx ON pending_feedback (client_request_id) WHERE status = 'PENDING';
CREATE INDEX pending_feedback_status_idx ON pending_feedback (status, create_time DESC);

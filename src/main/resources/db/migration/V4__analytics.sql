-- Analytics (trace explorer): feedback is aggregated per experiment and trace time range. Each
-- assessment carries its trace's experiment and request time, kept equal to the trace's by
-- triggers, so the feedback aggregates start from an index on assessments instead of scanning
-- every trace of the range.
ALTER TABLE assessments ADD COLUMN experiment_id bigint, ADD COLUMN trace_time bigint;

UPDATE assessments a SET experiment_id = t.experiment_id, trace_time = t.request_time
FROM traces t WHERE t.trace_id = a.trace_id;

CREATE FUNCTION tb_assessment_trace() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.experiment_id, t.request_time INTO NEW.experiment_id, NEW.trace_time
    FROM traces t WHERE t.trace_id = NEW.trace_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER assessments_trace_bi BEFORE INSERT OR UPDATE OF trace_id ON assessments
    FOR EACH ROW EXECUTE FUNCTION tb_assessment_trace();

-- A trace's request time moves when an earlier span arrives in a later batch, or on StartTraceV3.
CREATE FUNCTION tb_trace_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessments SET experiment_id = NEW.experiment_id, trace_time = NEW.request_time
    WHERE trace_id = NEW.trace_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER traces_moved_au AFTER UPDATE OF request_time, experiment_id ON traces
    FOR EACH ROW WHEN (OLD.request_time IS DISTINCT FROM NEW.request_time
                       OR OLD.experiment_id IS DISTINCT FROM NEW.experiment_id)
    EXECUTE FUNCTION tb_trace_moved();

CREATE INDEX assessments_feedback_time_idx ON assessments (experiment_id, trace_time, name)
    WHERE kind = 'FEEDBACK' AND valid;

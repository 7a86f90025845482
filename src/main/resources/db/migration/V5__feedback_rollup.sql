-- Feedback aggregates at scale: an hourly rollup of valid feedback per experiment, feedback name
-- and (optionally) one metadata or tag value of the feedback's trace, kept exact by triggers.
-- The analytics API reads whole hours of a range from here and only the partial hours at its
-- edges from assessments, so "positive share by app_version over all time" reads a few
-- thousand rollup rows instead of joining every feedback to its trace's tags.
--
-- dim: '-' the feedback of the hour as a whole (dim_key and dim_value ''), 'm' per metadata
-- value, 't' per tag value. shard: 0-7 from the trace ID, so that concurrent feedback on traces
-- of the same hour updates different rows instead of queueing on one row lock; readers sum the
-- shards. Values are grouped on their first 256 characters. Reserved keys
-- that hold one value per trace (mlflow.* but a few low-cardinality ones) are not rolled up;
-- grouping by them is computed from the rows (GroupKey.rolledUp in Java says the same).

CREATE FUNCTION tb_feedback_sign(value_text text) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN lower(value_text) IN ('true', 'yes', 'positive', 'good', 'pass', 'thumbs_up', 'thumbsup', 'up', '👍') THEN 1
        WHEN lower(value_text) IN ('false', 'no', 'negative', 'bad', 'fail', 'thumbs_down', 'thumbsdown', 'down', '👎') THEN -1
        ELSE 0 END::smallint
$$;

CREATE FUNCTION tb_rollup_key(key text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT key NOT LIKE 'mlflow.%'
        OR key IN ('mlflow.source.type', 'mlflow.source.name', 'mlflow.traceName', 'mlflow.user', 'mlflow.modelId')
$$;

CREATE FUNCTION tb_hour(t bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT t - ((t % 3600000) + 3600000) % 3600000
$$;

CREATE FUNCTION tb_rollup_shard(trace_id text) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashtext(trace_id) & 7)::smallint
$$;

-- num_sum is numeric, summed from value_number::numeric everywhere, so that adding and later
-- subtracting the same values cancels exactly.
CREATE TABLE feedback_rollup (
    experiment_id bigint NOT NULL,
    dim char(1) NOT NULL,
    dim_key varchar(250) NOT NULL,
    hour_ms bigint NOT NULL,
    name varchar(250) NOT NULL,
    dim_value varchar(256) NOT NULL,
    shard smallint NOT NULL,
    cnt bigint NOT NULL,
    pos bigint NOT NULL,
    neg bigint NOT NULL,
    num_cnt bigint NOT NULL,
    num_sum numeric NOT NULL,
    PRIMARY KEY (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard)
);

-- Adds the signed contributions of feedback rows to the rollup: for the whole hour and for each
-- rolled-up metadata and tag value of their traces. `p_rows`: [{sign, experiment_id, trace_id,
-- trace_time, name, value_text, value_number}]. One statement, rows in primary-key order, so
-- concurrent writers lock rollup rows in the same order. PL/pgSQL rather than SQL functions:
-- their plans are cached per session.
CREATE FUNCTION tb_rollup_apply(p_rows jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH f AS (
        SELECT (r->>'sign')::integer AS sign, (r->>'experiment_id')::bigint AS experiment_id,
               r->>'trace_id' AS trace_id, tb_hour((r->>'trace_time')::bigint) AS hour_ms, r->>'name' AS name,
               tb_feedback_sign(r->>'value_text') AS s, (r->>'value_number')::numeric AS num
        FROM jsonb_array_elements(p_rows) r
    ), d AS (
        SELECT f.*, '-'::char(1) AS d_dim, ''::varchar AS d_key, ''::varchar AS d_value FROM f
        UNION ALL
        SELECT f.*, 'm', m.key, left(m.value, 256) FROM f CROSS JOIN LATERAL (
            SELECT key, value FROM trace_metadata WHERE trace_id = f.trace_id AND tb_rollup_key(key) OFFSET 0) m
        UNION ALL
        SELECT f.*, 't', g.key, left(g.value, 256) FROM f CROSS JOIN LATERAL (
            SELECT key, value FROM trace_tags WHERE trace_id = f.trace_id AND tb_rollup_key(key) OFFSET 0) g
    )
    INSERT INTO feedback_rollup AS r (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard, cnt, pos, neg,
                                      num_cnt, num_sum)
    SELECT d.experiment_id, d.d_dim, d.d_key, d.hour_ms, d.name, d.d_value, tb_rollup_shard(d.trace_id),
           sum(d.sign), coalesce(sum(d.sign) FILTER (WHERE d.s = 1), 0),
           coalesce(sum(d.sign) FILTER (WHERE d.s = -1), 0),
           coalesce(sum(d.sign) FILTER (WHERE d.num IS NOT NULL), 0), coalesce(sum(d.sign * d.num), 0)
    FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard) DO UPDATE
    SET cnt = r.cnt + EXCLUDED.cnt, pos = r.pos + EXCLUDED.pos, neg = r.neg + EXCLUDED.neg,
        num_cnt = r.num_cnt + EXCLUDED.num_cnt, num_sum = r.num_sum + EXCLUDED.num_sum;
END;
$$;

-- Triggers on assessments: valid feedback on a trace with an experiment and a time counts.
-- Each first locks the statement's traces (FOR NO KEY UPDATE, which the foreign keys' KEY SHARE
-- locks do not conflict with, in trace ID order): a concurrent writer of the same trace's tags
-- or feedback then waits for this transaction and reads what it committed, instead of both
-- missing each other's uncommitted rows.
CREATE FUNCTION tb_rollup_assessments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    removed jsonb;
    added jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM 1 FROM (SELECT DISTINCT trace_id FROM old_rows ORDER BY 1) o
            CROSS JOIN LATERAL (SELECT 1 FROM traces t WHERE t.trace_id = o.trace_id FOR NO KEY UPDATE) l;
        SELECT jsonb_agg(jsonb_build_object('sign', -1, 'experiment_id', o.experiment_id, 'trace_id', o.trace_id,
                   'trace_time', o.trace_time, 'name', o.name, 'value_text', o.value_text,
                   'value_number', o.value_number::numeric)) INTO removed
        FROM old_rows o
        WHERE o.kind = 'FEEDBACK' AND o.valid AND o.experiment_id IS NOT NULL AND o.trace_time IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM 1 FROM (SELECT DISTINCT trace_id FROM new_rows ORDER BY 1) n
            CROSS JOIN LATERAL (SELECT 1 FROM traces t WHERE t.trace_id = n.trace_id FOR NO KEY UPDATE) l;
        SELECT jsonb_agg(jsonb_build_object('sign', 1, 'experiment_id', n.experiment_id, 'trace_id', n.trace_id,
                   'trace_time', n.trace_time, 'name', n.name, 'value_text', n.value_text,
                   'value_number', n.value_number::numeric)) INTO added
        FROM new_rows n
        WHERE n.kind = 'FEEDBACK' AND n.valid AND n.experiment_id IS NOT NULL AND n.trace_time IS NOT NULL;
    END IF;
    IF removed IS NOT NULL OR added IS NOT NULL THEN
        PERFORM tb_rollup_apply(coalesce(removed, '[]'::jsonb) || coalesce(added, '[]'::jsonb));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER assessments_rollup_ai AFTER INSERT ON assessments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_assessments();
CREATE TRIGGER assessments_rollup_au AFTER UPDATE ON assessments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_assessments();
CREATE TRIGGER assessments_rollup_ad AFTER DELETE ON assessments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_assessments();

-- A metadata or tag value that appears, changes or goes moves the counts of its trace's feedback.
-- `p_rows`: [{sign, trace_id, key, value}] of one table; `p_dim` 'm' (trace_metadata) or 't' (trace_tags).
CREATE FUNCTION tb_rollup_dim_apply(p_dim char(1), p_rows jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH x AS (
        SELECT (e->>'sign')::integer AS sign, e->>'trace_id' AS trace_id, e->>'key' AS key,
               left(e->>'value', 256) AS value
        FROM jsonb_array_elements(p_rows) e
    )
    INSERT INTO feedback_rollup AS f (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard, cnt, pos, neg,
                                      num_cnt, num_sum)
    SELECT a.experiment_id, p_dim, x.key, tb_hour(a.trace_time), a.name, x.value, tb_rollup_shard(x.trace_id),
           sum(x.sign), coalesce(sum(x.sign) FILTER (WHERE tb_feedback_sign(a.value_text) = 1), 0),
           coalesce(sum(x.sign) FILTER (WHERE tb_feedback_sign(a.value_text) = -1), 0),
           coalesce(sum(x.sign) FILTER (WHERE a.value_number IS NOT NULL), 0),
           coalesce(sum(x.sign * a.value_number::numeric), 0)
    FROM x CROSS JOIN LATERAL (
        SELECT experiment_id, trace_time, name, value_text, value_number FROM assessments
        WHERE assessments.trace_id = x.trace_id AND kind = 'FEEDBACK' AND valid AND experiment_id IS NOT NULL
          AND trace_time IS NOT NULL OFFSET 0) a
    GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard) DO UPDATE
    SET cnt = f.cnt + EXCLUDED.cnt, pos = f.pos + EXCLUDED.pos, neg = f.neg + EXCLUDED.neg,
        num_cnt = f.num_cnt + EXCLUDED.num_cnt, num_sum = f.num_sum + EXCLUDED.num_sum;
END;
$$;

-- The trigger on trace_metadata ('m') and trace_tags ('t'). On the ingest path the traces are
-- new and have no feedback (and the ingest transaction holds their locks already): one index
-- probe per written row finds none and nothing else runs (LATERAL ... LIMIT 1 keeps it a probe
-- rather than a join over all feedback).
CREATE FUNCTION tb_rollup_dims() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_dim char(1) := TG_ARGV[0];
    removed jsonb;
    added jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM (SELECT DISTINCT trace_id FROM new_rows ORDER BY 1) n
            CROSS JOIN LATERAL (SELECT 1 FROM traces t WHERE t.trace_id = n.trace_id FOR NO KEY UPDATE) l;
        SELECT jsonb_agg(jsonb_build_object('sign', 1, 'trace_id', n.trace_id, 'key', n.key, 'value', n.value)) INTO added
        FROM new_rows n CROSS JOIN LATERAL (SELECT 1 FROM assessments a WHERE a.trace_id = n.trace_id
                                             AND a.kind = 'FEEDBACK' LIMIT 1) has_feedback
        WHERE tb_rollup_key(n.key);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM (SELECT DISTINCT trace_id FROM old_rows ORDER BY 1) o
            CROSS JOIN LATERAL (SELECT 1 FROM traces t WHERE t.trace_id = o.trace_id FOR NO KEY UPDATE) l;
        SELECT jsonb_agg(jsonb_build_object('sign', -1, 'trace_id', o.trace_id, 'key', o.key, 'value', o.value)) INTO removed
        FROM old_rows o CROSS JOIN LATERAL (SELECT 1 FROM assessments a WHERE a.trace_id = o.trace_id
                                             AND a.kind = 'FEEDBACK' LIMIT 1) has_feedback
        WHERE tb_rollup_key(o.key);
    ELSE
        PERFORM 1 FROM (SELECT DISTINCT trace_id FROM new_rows ORDER BY 1) n
            CROSS JOIN LATERAL (SELECT 1 FROM traces t WHERE t.trace_id = n.trace_id FOR NO KEY UPDATE) l;
        -- Only values that changed (on their first 256 characters) move counts.
        SELECT jsonb_agg(jsonb_build_object('sign', -1, 'trace_id', o.trace_id, 'key', o.key, 'value', o.value)) INTO removed
        FROM old_rows o CROSS JOIN LATERAL (SELECT 1 FROM assessments a WHERE a.trace_id = o.trace_id
                                             AND a.kind = 'FEEDBACK' LIMIT 1) has_feedback
        WHERE tb_rollup_key(o.key) AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.trace_id = o.trace_id
            AND n.key = o.key AND left(n.value, 256) = left(o.value, 256));
        SELECT jsonb_agg(jsonb_build_object('sign', 1, 'trace_id', n.trace_id, 'key', n.key, 'value', n.value)) INTO added
        FROM new_rows n CROSS JOIN LATERAL (SELECT 1 FROM assessments a WHERE a.trace_id = n.trace_id
                                             AND a.kind = 'FEEDBACK' LIMIT 1) has_feedback
        WHERE tb_rollup_key(n.key) AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.trace_id = n.trace_id
            AND o.key = n.key AND left(n.value, 256) = left(o.value, 256));
    END IF;
    IF removed IS NOT NULL OR added IS NOT NULL THEN
        PERFORM tb_rollup_dim_apply(v_dim, coalesce(removed, '[]'::jsonb) || coalesce(added, '[]'::jsonb));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trace_metadata_rollup_ai AFTER INSERT ON trace_metadata REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('m');
CREATE TRIGGER trace_metadata_rollup_au AFTER UPDATE ON trace_metadata REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('m');
CREATE TRIGGER trace_metadata_rollup_ad AFTER DELETE ON trace_metadata REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('m');
CREATE TRIGGER trace_tags_rollup_ai AFTER INSERT ON trace_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('t');
CREATE TRIGGER trace_tags_rollup_au AFTER UPDATE ON trace_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('t');
CREATE TRIGGER trace_tags_rollup_ad AFTER DELETE ON trace_tags REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tb_rollup_dims('t');

-- A deleted trace takes its feedback, metadata and tags along by ON DELETE CASCADE, and the
-- statement triggers of cascaded deletes all fire after the last of them, when neither side of a
-- (feedback, tag) pair is left to find the other. Deleting the feedback first, while the tags are
-- still there, subtracts every pair once.
CREATE FUNCTION tb_trace_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assessments WHERE trace_id = OLD.trace_id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER traces_rollup_bd BEFORE DELETE ON traces FOR EACH ROW EXECUTE FUNCTION tb_trace_deleting();

-- The feedback already stored, in one set-based statement.
INSERT INTO feedback_rollup (experiment_id, dim, dim_key, hour_ms, name, dim_value, shard, cnt, pos, neg, num_cnt, num_sum)
SELECT a.experiment_id, d.dim, d.k, tb_hour(a.trace_time), a.name, d.v, tb_rollup_shard(a.trace_id),
       count(*), count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = 1),
       count(*) FILTER (WHERE tb_feedback_sign(a.value_text) = -1),
       count(a.value_number), coalesce(sum(a.value_number::numeric), 0)
FROM assessments a CROSS JOIN LATERAL (
    SELECT '-'::char(1) AS dim, ''::varchar AS k, ''::varchar AS v
    UNION ALL
    SELECT 'm', m.key, left(m.value, 256) FROM trace_metadata m WHERE m.trace_id = a.trace_id AND tb_rollup_key(m.key)
    UNION ALL
    SELECT 't', g.key, left(g.value, 256) FROM trace_tags g WHERE g.trace_id = a.trace_id AND tb_rollup_key(g.key)
) d
WHERE a.kind = 'FEEDBACK' AND a.valid AND a.experiment_id IS NOT NULL AND a.trace_time IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

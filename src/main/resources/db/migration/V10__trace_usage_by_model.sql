-- Cost and latency per user and session (issue 19). A span's token counts are priced by the
-- model it names (mapping.TokenUsage: mlflow.llm.model, gen_ai.response.model,
-- gen_ai.request.model, llm.model_name), so spans keep that name beside their counts, and each
-- trace keeps the sums the ingest already computes for mlflow.trace.tokenUsage (the same spans,
-- counted once: store.PgTraceStore UPSERT_TOKEN_USAGE), in total and per model:
--   model_usage = {"<model>": [input, output, total], ...}, '' for counts of no named model.
-- Prices are configuration (TRACEBRIDGE_MODEL_PRICES), applied when a query reads these sums,
-- so changing a price re-prices history (docs/analytics-api.md, "Cost").
--
-- Adding nullable columns rewrites nothing (spans: every partition, metadata only). The UPDATE
-- copies the totals of traces stored before this migration from their mlflow.trace.tokenUsage
-- (values in the format the ingest writes; anything else is left alone); their per-model split is unknown,
-- so it is recorded under ''. It rewrites those trace rows once, in one transaction.
ALTER TABLE spans ADD COLUMN model varchar(256);

ALTER TABLE traces
    ADD COLUMN input_tokens bigint,
    ADD COLUMN output_tokens bigint,
    ADD COLUMN total_tokens bigint,
    ADD COLUMN model_usage jsonb;

UPDATE traces t
SET input_tokens = (m.value::jsonb ->> 'input_tokens')::bigint,
    output_tokens = (m.value::jsonb ->> 'output_tokens')::bigint,
    total_tokens = (m.value::jsonb ->> 'total_tokens')::bigint,
    model_usage = jsonb_build_object('', jsonb_build_array((m.value::jsonb ->> 'input_tokens')::bigint,
        (m.value::jsonb ->> 'output_tokens')::bigint, (m.value::jsonb ->> 'total_tokens')::bigint))
FROM trace_metadata m
WHERE m.trace_id = t.trace_id AND m.key = 'mlflow.trace.tokenUsage'
  AND m.value ~ '^\{"input_tokens": [0-9]{1,18}, "output_tokens": [0-9]{1,18}, "total_tokens": [0-9]{1,18}\}$';

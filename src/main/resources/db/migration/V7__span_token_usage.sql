-- The LLM token counts a span reports (mapping.TokenUsage), so that the trace metadata
-- mlflow.trace.tokenUsage can be recomputed over every stored span of a trace with each batch
-- (store.PgTraceStore UPSERT_TOKEN_USAGE): batches in any order and re-sent batches count each
-- span once. Adding nullable columns rewrites nothing. The partial index holds only spans that
-- report counts, so a batch of traces without any costs one index probe per trace; its build
-- reads the spans table once.
ALTER TABLE spans
    ADD COLUMN input_tokens bigint,
    ADD COLUMN output_tokens bigint,
    ADD COLUMN total_tokens bigint;
CREATE INDEX spans_token_usage_idx ON spans (trace_id, span_id)
    INCLUDE (parent_span_id, input_tokens, output_tokens, total_tokens)
    WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL;

-- Retention deletes the pending-feedback records attached to the traces it expires
-- (store.RetentionStore): find them by trace without reading the whole table.
CREATE INDEX pending_feedback_trace_idx ON pending_feedback (trace_id) WHERE trace_id IS NOT NULL;

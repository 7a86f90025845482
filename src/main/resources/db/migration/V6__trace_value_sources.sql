-- Which span wrote a span-derived trace value, so that trace-level tags, metadata and previews
-- can come from any span of a trace (with HTTP framework instrumentation the app's span that
-- carries them is a child of the framework's root span) and batches still merge the same in any
-- order: among writers of the same rank the lower source key wins (mapping.Source: the span's
-- zero-padded start time, then its span ID; previews prefix 0 for the root span, 1 for others;
-- '' for StartTraceV3, '~' for resource attributes). Byte order ("C"), whatever the database's
-- collation. Rows written before this migration have NULL: see the upserts in store.PgTraceStore.
ALTER TABLE trace_metadata ADD COLUMN source varchar(40) COLLATE "C";
ALTER TABLE trace_tags ADD COLUMN source varchar(40) COLLATE "C";
ALTER TABLE traces
    ADD COLUMN request_preview_source varchar(40) COLLATE "C",
    ADD COLUMN response_preview_source varchar(40) COLLATE "C";

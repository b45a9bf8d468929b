-- The loader's bookkeeping: the segment ledger that makes loading exactly-once, the rejected
-- lines it keeps instead of dropping, and the run artifacts (ingestion summaries, archive
-- cleanup reports) that the flows and the dashboard list.

-- Duplicates (a client retrying with the same event_id) are removed at load time: event_id is
-- unique in every raw table. The loader COPYs straight into the table; a duplicate makes the
-- COPY fail, and only then is that segment loaded again under savepoints so that the duplicate
-- line goes to raw_data.rejected_events as 'duplicate_event_id'. Measured with tools/bench/load
-- (--experiment dedup; 1,000,000 events, one binary COPY stream, median of 3 runs), PostgreSQL
-- CPU per row: plain COPY with a non-unique index 7.45 µs; the same COPY with this unique index
-- 7.63 µs (+2%); COPY into a temporary staging table + INSERT ... ON CONFLICT (event_id) DO
-- NOTHING 10.30 µs (+38%, and no multi-row insert). Deduplicating later in the staging models
-- would save those 2% at the price of duplicates in every query of the raw tables.
DROP INDEX raw_data.page_views_event_id_idx;
DROP INDEX raw_data.user_events_event_id_idx;
DROP INDEX raw_data.ecommerce_events_event_id_idx;
DROP INDEX raw_data.analytics_events_event_id_idx;
DROP INDEX raw_data.event_queue_event_id_idx;
CREATE UNIQUE INDEX page_views_event_id_key ON raw_data.page_views (event_id);
CREATE UNIQUE INDEX user_events_event_id_key ON raw_data.user_events (event_id);
CREATE UNIQUE INDEX ecommerce_events_event_id_key ON raw_data.ecommerce_events (event_id);
CREATE UNIQUE INDEX analytics_events_event_id_key ON raw_data.analytics_events (event_id);
CREATE UNIQUE INDEX event_queue_event_id_key ON raw_data.event_queue (event_id);

-- One row per loaded segment, inserted in the same transaction as the segment's rows: a
-- segment found here is never loaded again. segment = '<queue>/<file name>'; checksum is the
-- XXH3-64 of the whole file (16 hex digits), so a different file under a known name is noticed.
CREATE TABLE pipeline.loaded_segments (
  segment   text PRIMARY KEY,
  queue     text NOT NULL,
  rows      bigint NOT NULL DEFAULT 0,
  rejected  bigint NOT NULL DEFAULT 0,
  bytes     bigint NOT NULL DEFAULT 0,
  checksum  text,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loaded_segments_loaded_at_idx ON pipeline.loaded_segments (loaded_at);

-- Lines that did not become rows, with the reason (checksum_mismatch, torn_line, invalid_json,
-- missing_event_id, wrong_type:<field>, ...). raw is the line as read, with invalid UTF-8 and
-- NUL bytes replaced by U+FFFD (text cannot hold them). replay_rejects() loads the ones that
-- pass now and stamps replayed_at.
CREATE TABLE raw_data.rejected_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  segment     text NOT NULL,
  line_no     bigint NOT NULL,
  reason      text NOT NULL,
  raw         text NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);
CREATE INDEX rejected_events_pending_idx ON raw_data.rejected_events (id) WHERE replayed_at IS NULL;
CREATE INDEX rejected_events_reason_idx ON raw_data.rejected_events (reason);

-- Reports of pipeline runs: kind 'markdown' (body is Markdown, data the same facts as JSON) or
-- 'table' (data is an array of row objects, body its Markdown rendering).
CREATE TABLE pipeline.artifacts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flow       text NOT NULL,
  run_id     text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('markdown', 'table')),
  key        text NOT NULL,
  title      text NOT NULL,
  body       text NOT NULL,
  data       jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_key_created_idx ON pipeline.artifacts (key, created_at DESC);
CREATE INDEX artifacts_flow_run_idx ON pipeline.artifacts (flow, run_id);

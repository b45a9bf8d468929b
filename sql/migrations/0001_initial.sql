-- The schemas and the raw event tables the loader copies into.
-- pipeline.schema_migrations itself is created by the migrator before this file runs.

CREATE SCHEMA IF NOT EXISTS raw_data;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS pipeline;

-- One table per queue; all five share this layout. "timestamp" is the client's clock,
-- server_timestamp ours.
CREATE TABLE raw_data.page_views (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id            uuid NOT NULL,
  type                text,
  event               text,
  "timestamp"         timestamptz,
  server_timestamp    timestamptz NOT NULL,
  session_id          text,
  user_id             text,
  client_ip           text,
  user_agent          text,
  url                 text,
  path                text,
  properties          jsonb,
  queue_name          text NOT NULL,
  processed_timestamp timestamptz,
  is_bot              boolean NOT NULL DEFAULT false,
  loaded_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX page_views_session_id_idx ON raw_data.page_views (session_id);
CREATE INDEX page_views_timestamp_idx ON raw_data.page_views ("timestamp");
CREATE INDEX page_views_event_id_idx ON raw_data.page_views (event_id);

-- LIKE ... INCLUDING ALL copies columns, defaults, identity (with a sequence of its own),
-- constraints and indexes (named <table>_<column>_idx).
CREATE TABLE raw_data.user_events (LIKE raw_data.page_views INCLUDING ALL);
CREATE TABLE raw_data.ecommerce_events (LIKE raw_data.page_views INCLUDING ALL);
CREATE TABLE raw_data.analytics_events (LIKE raw_data.page_views INCLUDING ALL);
CREATE TABLE raw_data.event_queue (LIKE raw_data.page_views INCLUDING ALL);

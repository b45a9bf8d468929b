-- Load stamps (docs/transform.md): every raw event row records the id of the transaction that
-- loaded it, so an incremental model reads exactly the rows committed since its previous run,
-- even when concurrent loads commit out of order (a load's stamp is at or above the oldest
-- transaction still running when a run starts, whatever its loaded_at). A column default: the
-- loader's COPY names its columns and leaves this one out. xid8 as bigint (epoch-extended: it
-- never wraps); existing rows get this migration's id, below every later load's.
ALTER TABLE raw_data.page_views
  ADD COLUMN load_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE raw_data.user_events
  ADD COLUMN load_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE raw_data.ecommerce_events
  ADD COLUMN load_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE raw_data.analytics_events
  ADD COLUMN load_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE raw_data.event_queue
  ADD COLUMN load_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);

-- Stamps grow with the table (loads append), so a BRIN index finds a run's tail in a few block
-- ranges, as for loaded_at (0005).
CREATE INDEX page_views_load_xid_brin ON raw_data.page_views USING brin (load_xid);
CREATE INDEX user_events_load_xid_brin ON raw_data.user_events USING brin (load_xid);
CREATE INDEX ecommerce_events_load_xid_brin ON raw_data.ecommerce_events USING brin (load_xid);
CREATE INDEX analytics_events_load_xid_brin ON raw_data.analytics_events USING brin (load_xid);
CREATE INDEX event_queue_load_xid_brin ON raw_data.event_queue USING brin (load_xid);

-- Per load-stamped model: every input row stamped below load_xid has been processed.
CREATE TABLE pipeline.transform_watermarks (
  relation   text PRIMARY KEY,        -- "schema"."table" of the model
  load_xid   bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

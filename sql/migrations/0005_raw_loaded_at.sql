-- The analytics models (sql/transform) read each raw table incrementally by load time: every
-- run selects the rows with loaded_at at or after (newest row already processed - lookback).
-- loaded_at grows with the table (rows are appended at load time), so a BRIN index finds that
-- tail by reading a few block ranges instead of the whole table, for a few hundred bytes of
-- index and no measurable cost on COPY.
CREATE INDEX page_views_loaded_at_brin ON raw_data.page_views USING brin (loaded_at);
CREATE INDEX user_events_loaded_at_brin ON raw_data.user_events USING brin (loaded_at);
CREATE INDEX ecommerce_events_loaded_at_brin ON raw_data.ecommerce_events USING brin (loaded_at);
CREATE INDEX analytics_events_loaded_at_brin ON raw_data.analytics_events USING brin (loaded_at);
CREATE INDEX event_queue_loaded_at_brin ON raw_data.event_queue USING brin (loaded_at);

-- The dashboard's live and health panels read the raw tables' newest rows by our receive time:
-- the events of the last 30 minutes and the newest server_timestamp. A b-tree on
-- server_timestamp answers both with an index range scan (and max() with one index probe) in
-- place of a scan of the whole table; the client's "timestamp" index cannot, because client
-- clocks drift.
CREATE INDEX page_views_server_timestamp_idx ON raw_data.page_views (server_timestamp);
CREATE INDEX user_events_server_timestamp_idx ON raw_data.user_events (server_timestamp);
CREATE INDEX ecommerce_events_server_timestamp_idx ON raw_data.ecommerce_events (server_timestamp);
CREATE INDEX analytics_events_server_timestamp_idx ON raw_data.analytics_events (server_timestamp);
CREATE INDEX event_queue_server_timestamp_idx ON raw_data.event_queue (server_timestamp);

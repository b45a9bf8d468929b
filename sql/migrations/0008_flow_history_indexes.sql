-- Retention deletes old flow runs in batches. Without these two indexes each batch was
-- quadratic: every deleted run made PostgreSQL look for the runs naming it as their parent
-- (ON DELETE SET NULL) with a scan of the whole table, and picking a batch by ended_at scanned
-- and sorted the table too. Only retries have a parent, and only finished runs an end time,
-- so both indexes are partial.
CREATE INDEX flow_runs_parent_run_idx ON pipeline.flow_runs (parent_run)
  WHERE parent_run IS NOT NULL;
CREATE INDEX flow_runs_ended_idx ON pipeline.flow_runs (ended_at) WHERE ended_at IS NOT NULL;

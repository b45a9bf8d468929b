-- The transformation runner's history: one row per run, one per executed node, every data test
-- result and every source freshness check, kept over time so trends can be shown (dbt keeps
-- only the last run_results.json). run_id is a UUIDv7, so ordering by it orders by start time.

CREATE TABLE pipeline.transform_runs (
  run_id      uuid PRIMARY KEY,
  command     text NOT NULL,          -- run | test | build | freshness
  trigger     text NOT NULL,          -- cli | serve | flow:<name>
  project     text NOT NULL,          -- the project's name from dbt_project.yml
  started_at  timestamptz NOT NULL,
  elapsed_s   double precision NOT NULL,
  status      text NOT NULL,          -- success | error | cancelled
  nodes       integer NOT NULL,
  errors      integer NOT NULL,       -- nodes with status error or fail
  args        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX transform_runs_started_idx ON pipeline.transform_runs (started_at);

-- One row per model (and per test and source, for the run's complete picture) of a run.
-- status: success | error | skipped | warn | fail | pass | cancelled. rows is NULL when the
-- statement reports none (views). message holds the error with the failing SQL line.
CREATE TABLE pipeline.model_runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          uuid NOT NULL,
  command         text NOT NULL,
  node            text NOT NULL,      -- unique_id, e.g. model.gadgetgrove.daily_metrics
  resource_type   text NOT NULL,      -- model | test | source
  materialization text,
  relation        text,
  status          text NOT NULL,
  started_at      timestamptz NOT NULL,
  duration_s      double precision NOT NULL,
  rows            bigint,
  adapter_message text,
  message         text,
  thread_id       text
);
CREATE INDEX model_runs_run_idx ON pipeline.model_runs (run_id);
CREATE INDEX model_runs_node_started_idx ON pipeline.model_runs (node, started_at);

-- Every data test result, pass or fail, with its failing-row count.
CREATE TABLE pipeline.test_results (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      uuid NOT NULL,
  test        text NOT NULL,          -- unique_id of the test
  model       text,                   -- unique_id of the tested node
  column_name text,
  status      text NOT NULL,          -- pass | warn | fail | error | skipped | cancelled
  failures    bigint,
  message     text,
  checked_at  timestamptz NOT NULL
);
CREATE INDEX test_results_test_checked_idx ON pipeline.test_results (test, checked_at);
CREATE INDEX test_results_run_idx ON pipeline.test_results (run_id);

-- Every source freshness check: the newest loaded_at_field value and its age.
CREATE TABLE pipeline.source_freshness (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        uuid NOT NULL,
  source        text NOT NULL,        -- unique_id of the source table
  status        text NOT NULL,        -- pass | warn | error
  max_loaded_at timestamptz,
  age_s         double precision,
  message       text,
  checked_at    timestamptz NOT NULL
);
CREATE INDEX source_freshness_source_checked_idx ON pipeline.source_freshness (source, checked_at);

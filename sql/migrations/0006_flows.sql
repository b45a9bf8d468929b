-- Pipeline flows: every run of a flow (load, transform, cleanup, traffic) and of each of its
-- tasks, the log lines they wrote, and the lease that tells a live run from one whose process
-- died. Artifacts stay in pipeline.artifacts (run_id holds the flow run's id as text).

-- One row per flow run. id is a UUIDv7, so ordering by it orders by creation.
--   trigger: schedule | event | manual | retry
--   state:   scheduled (a retry waiting for its time) | pending (coalesced follow-up waiting for
--            the running one) | running | completed | failed | crashed (its process died while
--            it ran) | cancelled | skipped (a trigger dropped, with the reason in error)
-- A scheduled run is keyed by (flow, scheduled_for): one fire time never yields two runs, across
-- processes, restarts and daylight-saving changes. A retry points at the run it retries.
-- node/lease_until/heartbeat_at: the process holding a running run; a lease in the past means
-- its holder is gone.
CREATE TABLE pipeline.flow_runs (
  id            uuid PRIMARY KEY,
  flow          text NOT NULL,
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'event', 'manual', 'retry')),
  state         text NOT NULL CHECK (state IN ('scheduled', 'pending', 'running', 'completed',
                                               'failed', 'crashed', 'cancelled', 'skipped')),
  attempt       integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  parent_run    uuid REFERENCES pipeline.flow_runs (id) ON DELETE SET NULL,
  scheduled_for timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  ended_at      timestamptz,
  duration_s    double precision,
  error         text,
  parameters    jsonb NOT NULL DEFAULT '{}',
  node          text,
  lease_until   timestamptz,
  heartbeat_at  timestamptz
);
CREATE UNIQUE INDEX flow_runs_schedule_key
  ON pipeline.flow_runs (flow, scheduled_for) WHERE trigger = 'schedule';
CREATE INDEX flow_runs_flow_created_idx ON pipeline.flow_runs (flow, created_at DESC);
CREATE INDEX flow_runs_created_idx ON pipeline.flow_runs (created_at);
CREATE INDEX flow_runs_live_idx ON pipeline.flow_runs (state, lease_until)
  WHERE state IN ('scheduled', 'pending', 'running');

-- One row per task attempt of a flow run, in the flow's task order.
--   state: running | completed | failed | cancelled | skipped | crashed
CREATE TABLE pipeline.task_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flow_run    uuid NOT NULL REFERENCES pipeline.flow_runs (id) ON DELETE CASCADE,
  task        text NOT NULL,
  position    integer NOT NULL,
  attempt     integer NOT NULL DEFAULT 1,
  state       text NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled',
                                               'skipped', 'crashed')),
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  duration_s  double precision,
  error       text,
  UNIQUE (flow_run, task, attempt)
);

-- The log lines a flow run's tasks wrote (level: debug | info | warn | error).
CREATE TABLE pipeline.run_logs (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flow_run  uuid NOT NULL REFERENCES pipeline.flow_runs (id) ON DELETE CASCADE,
  task      text,
  logged_at timestamptz NOT NULL DEFAULT now(),
  level     text NOT NULL,
  message   text NOT NULL
);
CREATE INDEX run_logs_run_idx ON pipeline.run_logs (flow_run, id);

-- Artifacts name the task that wrote them; retention deletes them by age.
ALTER TABLE pipeline.artifacts ADD COLUMN task text;
CREATE INDEX artifacts_created_idx ON pipeline.artifacts (created_at);

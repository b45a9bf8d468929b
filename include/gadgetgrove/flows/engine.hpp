#pragma once
// The flows engine: runs the pipeline's flows on the shared scheduler, records every run in
// pipeline.flow_runs / task_runs / run_logs / artifacts, and recovers runs whose process died.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/flows/flow.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::metrics {
class registry;
}  // namespace gg::metrics

namespace gg::flows {

using time_point = std::chrono::system_clock::time_point;

struct engine_options {
  /// libpq conninfo of the database holding pipeline.*; asked whenever a connection is opened
  /// (serve knows it only once the pg stage started). Never logged.
  std::function<std::string()> conninfo;
  /// The name this process records as a run's holder, "<node id>:<pid>" (gg::process_name);
  /// default: the host name as the node id. When it names this process, runs held by a gone
  /// pid of the same node id are crashed at start instead of when their lease expires.
  std::string node;
  /// A running run's lease; renewed every `heartbeat`. A run whose lease is past is crashed.
  std::chrono::milliseconds lease_ttl = std::chrono::seconds(30);
  std::chrono::milliseconds heartbeat = std::chrono::seconds(10);
  /// How often the engine looks for due work (fire times, retries, timeouts, expired leases);
  /// zero: never on its own, the caller calls poll() (tests with an injected clock).
  std::chrono::milliseconds tick = std::chrono::seconds(1);
  /// prune() deletes runs (with their task runs and logs) and artifacts older than this.
  std::chrono::milliseconds retention = std::chrono::hours(24 * 30);
  /// Rows deleted per statement by prune(), so retention never holds long locks.
  std::size_t retention_batch = 5000;
  /// The wall clock every decision reads (fire times, retry times, leases, timeouts,
  /// staleness); tests inject a manual one.
  std::function<time_point()> now = [] { return std::chrono::system_clock::now(); };
  /// Seed of the retry jitter draws.
  std::uint64_t seed = 0x67676c6f77;
  /// Where the engine registers its metrics (gadgetgrove_flow_*, and its connection pool's
  /// gadgetgrove_pg_pool_*); null: the process-wide metrics::global(). Must outlive the engine.
  metrics::registry* metrics = nullptr;
};

/// One pipeline.flow_runs row.
struct run_record {
  std::string id;
  std::string flow;
  trigger_kind trigger = trigger_kind::manual;
  run_state state = run_state::pending;
  unsigned attempt = 1;
  std::string parent_run;  // empty when none
  std::optional<time_point> scheduled_for;
  time_point created_at{};
  std::optional<time_point> started_at;
  std::optional<time_point> ended_at;
  std::optional<double> duration_s;
  std::string error;
  parameters params;
  std::string node;
};

/// What trigger() did: started or queued a run, or folded the trigger into the pending one.
struct trigger_result {
  std::string run_id;
  run_state state = run_state::pending;  // running, pending or scheduled
  bool coalesced = false;                // run_id is an already pending run
};

/// A flow as the page, the API, /readyz and the metrics show it.
struct flow_status {
  std::string name;
  std::string description;
  std::string schedule;  // schedule::to_string()
  bool enabled = true;
  bool running = false;
  bool pending = false;  // a follow-up run is waiting
  std::optional<run_record> last_run;
  std::optional<time_point> last_success;  // end of the last completed run
  std::optional<time_point> next_fire;
  unsigned consecutive_failures = 0;
  std::chrono::milliseconds max_staleness{0};
  bool stale = false;
  std::string stale_reason;  // "no completed run for 6m12s (limit 5m)"; empty when fresh
};

/// The "flows" stage (after "pg"). start() recovers runs left running by a dead process (marked
/// crashed, retried when they have retries left), then fires each enabled flow at its schedule's
/// times on the scheduler, running the tasks on the blocking pool. A fire time is claimed by
/// inserting its (flow, scheduled_for) key, so it yields one run however many processes or
/// restarts see it; fire times missed while no process ran are not replayed (the next one is
/// the safety net), except that a flow whose last run is older than its interval runs once at
/// start. request_stop() stops firing and cancels the running runs (their state: cancelled);
/// drain() waits for them up to its deadline.
///
/// A fire time that comes while the flow runs becomes the flow's pending run; when a pending
/// run already exists, the fire time is recorded as a skipped row ("coalesced into pending run
/// <id>"), so every fire time still has exactly one row. A flow never runs twice at once, across
/// processes too: a running run holds a PostgreSQL advisory lock on the flow, and a process
/// that finds it held queues the trigger as the pending run, which the holder starts next.
/// Runs, retries and pending runs left by a process that died are recovered by whichever
/// process polls first; a claim is one conditional UPDATE, so only one process starts them.
///
/// Tasks run on the scheduler's blocking pool, one thread per running flow for the length of
/// the run (plus one for the tick): size the pool for the flows that may run at once plus two.
/// Metrics, labelled flow="<name>": gadgetgrove_flow_last_success_timestamp_seconds,
/// gadgetgrove_flow_runs_total{state} (runs ended in this process), gadgetgrove_flow_running,
/// gadgetgrove_flow_stale and the histogram gadgetgrove_flow_duration_seconds.
///
/// Thread safety: add_flow() before start() from the control thread; everything else from any
/// thread. flows(), flow(), stale_flows(), health() and options() read memory only (refreshed by
/// every poll and run end) and suit io threads; the other members block on the database and
/// belong on the blocking pool or a control thread, never on an io thread.
class engine final : public gg::stage {
 public:
  engine(engine_options options, sched::scheduler& scheduler);
  ~engine() override;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  std::string_view name() const noexcept override { return "flows"; }
  std::vector<std::string> depends_on() const override { return {"pg"}; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  /// up while the database is reachable; stale flows do not make the stage unhealthy (they are
  /// reported by stale_flows(), /readyz's "stale" field and the metrics).
  gg::health health() const override;

  /// Registers a flow. Errors: invalid_input (bad name, no tasks), conflict (name in use).
  gg::status add_flow(flow_definition flow);

  /// Asks for a run of `flow` now. When the flow is idle the run starts at once (state running);
  /// while it runs, the trigger becomes the one pending follow-up run, or is folded into the
  /// existing one (coalesced = true; the pending run's parameters are kept unless it has none).
  /// Errors: not_found (unknown flow), unavailable (not started, stopping, or the database is
  /// down). Blocks for a few short statements.
  gg::result<trigger_result> trigger(std::string_view flow, trigger_kind kind,
                                     parameters params = {});

  /// Blocks until run `run_id` is final or `until` passes (errc::timeout), then returns it.
  /// Follows retries: when the run failed and a retry was created, waits for the retry chain's
  /// last run. `on_log` (optional) receives each log line of the run as it is written.
  gg::result<run_record> wait(
      std::string_view run_id, std::optional<gg::deadline> until = {},
      std::function<void(log_level, std::string_view task, std::string_view message)> on_log = {});

  /// Cancels a running, pending or scheduled run (a running one through its stop token; it
  /// ends cancelled and is not retried). Errors: not_found, conflict (already final, or running
  /// in another process).
  gg::status cancel(std::string_view run_id);

  /// Every registered flow's status, in registration order, as of the last poll or run end.
  /// Stale: the last completed run ended more than max_staleness ago (or none did within
  /// max_staleness of start-up), or the last 3 runs failed or crashed; each change is logged.
  std::vector<flow_status> flows() const;
  std::optional<flow_status> flow(std::string_view name) const;
  /// Names of the flows that are stale now.
  std::vector<std::string> stale_flows() const;

  /// Does the work due at options.now(): claims fire times that passed, starts retries whose
  /// time came, cancels runs past their timeout, marks runs with an expired lease crashed and
  /// renews this process's leases. Called every `tick` once started; tests call it directly.
  void poll();

  /// Retention: deletes, in batches of retention_batch, flow runs that ended and artifacts
  /// created before now - retention (task runs and log lines go with their run). Returns the
  /// rows deleted (runs + artifacts). Works before start() too, on a connection of its own.
  gg::result<std::uint64_t> prune();

  const engine_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::flows

#pragma once
// The vocabulary of pipeline flows: what a flow and its tasks are, how a flow is scheduled,
// retried, timed out and judged stale, and what a task may do while it runs.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/job.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace gg::flows {

/// Why a run exists. Stored as text in pipeline.flow_runs.trigger.
enum class trigger_kind { schedule, event, manual, retry };
std::string_view to_string(trigger_kind t) noexcept;
std::optional<trigger_kind> parse_trigger_kind(std::string_view text) noexcept;

/// A run's life: scheduled (a retry waiting for its time) or pending (a coalesced follow-up
/// waiting for the running run), then running, then one of the final states. skipped records a
/// trigger that was dropped (a fire time missed while the process was down, a disabled flow).
enum class run_state {
  scheduled,
  pending,
  running,
  completed,
  failed,
  crashed,
  cancelled,
  skipped
};
std::string_view to_string(run_state s) noexcept;
std::optional<run_state> parse_run_state(std::string_view text) noexcept;
/// completed, failed, crashed, cancelled and skipped.
bool is_final(run_state s) noexcept;

/// How a failed run (or task) is retried; the scheduler's rule (see sched::retry_policy and
/// sched::retry_delay). A cancelled run is never retried; a timed-out or crashed one is.
using retry_policy = sched::retry_policy;

/// When a flow fires on its own: never (manual and event triggers only), at a fixed interval, or
/// at the minutes a cron expression matches in a time zone (named IANA zones included, daylight
/// saving handled as cron_expr documents).
struct schedule {
  std::optional<std::chrono::milliseconds> interval;
  std::optional<sched::cron_expr> cron;
  sched::time_zone_spec zone{};

  static schedule none() { return {}; }
  static schedule every(std::chrono::milliseconds i) { return {i, std::nullopt, {}}; }
  static schedule on_cron(sched::cron_expr e, sched::time_zone_spec z) {
    return {std::nullopt, std::move(e), z};
  }
  bool empty() const noexcept { return !interval && !cron; }
  /// The first fire time strictly after `t`; empty for none() or a cron that can never fire.
  /// Interval schedules fire on multiples of the interval since the Unix epoch, so every
  /// process and every restart agrees on the fire times (and therefore on the run keys).
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point t) const;
  /// The last fire time at or before `t` (the one a catch-up run at start-up is keyed by);
  /// empty for none() or when a cron did not fire in the 400 days before `t`.
  std::optional<std::chrono::system_clock::time_point> last_at_or_before(
      std::chrono::system_clock::time_point t) const;
  /// "every 60s", "cron */15 * * * * Europe/Berlin", "manual".
  std::string to_string() const;
};

/// String parameters of a run ("full_refresh" = "true", "select" = "m+"); stored as a JSON
/// object in pipeline.flow_runs.parameters and handed to every task of the run.
using parameters = std::map<std::string, std::string, std::less<>>;

/// One report of a run, stored in pipeline.artifacts with the flow, run id and task.
/// kind "markdown" (body is Markdown, data the same facts as JSON) or "table" (data is a JSON
/// array of row objects, body its Markdown rendering).
struct artifact {
  std::string kind = "markdown";
  std::string key;  // stable per report type: "ingestion-summary", "model-results", ...
  std::string title;
  std::string body;
  std::string data;  // JSON text; empty for none
};

enum class log_level { debug, info, warn, error };
std::string_view to_string(log_level l) noexcept;
std::optional<log_level> parse_log_level(std::string_view text) noexcept;

/// A duration for people: "250ms", "1.5s", "45s", "6m12s", "2h", "30d" (whole units from a
/// minute on). Used in run errors ("timed out after 5m"), stale reasons and the pipeline page.
std::string format_duration(std::chrono::milliseconds d);

/// What a task sees of its run. Valid only during the task's call; used from the task's thread.
class task_context {
 public:
  virtual ~task_context() = default;
  /// Requested when the run is cancelled, times out, or the process shuts down. A task checks
  /// it between steps and passes it to whatever blocks (statements are cancelled through it).
  virtual std::stop_token stop() const = 0;
  virtual std::string_view flow() const = 0;
  virtual std::string_view run_id() const = 0;
  virtual std::string_view task() const = 0;
  virtual trigger_kind trigger() const = 0;
  /// The run's attempt: 1, then one more for each retry run of the same trigger.
  virtual unsigned attempt() const = 0;
  virtual const parameters& params() const = 0;
  /// A line in pipeline.run_logs (and the process log, tagged with flow, run and task).
  virtual void log(log_level level, std::string message) = 0;
  /// Stores `a` for this run; an error when the database refuses it (the task decides whether
  /// that fails it).
  virtual gg::status add_artifact(artifact a) = 0;
};

/// The work of a task. Returning an error fails the task (and the run); errc::cancelled marks
/// the run cancelled when its stop token was requested. Exceptions are caught and fail it.
using task_fn = std::function<gg::status(task_context&)>;

struct task_definition {
  std::string name;
  task_fn fn;
  /// Retries of this task inside one run attempt, before the run fails; default none (the
  /// flow's policy retries the whole run).
  std::optional<retry_policy> retry;
};

/// A flow: tasks run in order, each after the previous one completed; a failed task skips the
/// rest. A flow never runs twice at once: a trigger while it runs is coalesced into at most one
/// pending follow-up run (recorded), further triggers are folded into that one.
struct flow_definition {
  std::string name;  // [a-z0-9_-]+, the key everywhere (API, CLI, metrics)
  std::string description;
  std::vector<task_definition> tasks;
  schedule when;
  retry_policy retry{};
  /// A run still going after this long is cancelled (its statements too) and counts as failed;
  /// zero for none.
  std::chrono::milliseconds timeout{0};
  /// The flow is stale when its last completed run ended longer ago than this (or it never
  /// completed and it has been this long since start-up); zero for never stale.
  std::chrono::milliseconds max_staleness{0};
  /// A disabled flow keeps its history and can still be run by hand, but does not fire.
  bool enabled = true;
};

}  // namespace gg::flows

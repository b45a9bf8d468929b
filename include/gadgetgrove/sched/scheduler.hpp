#pragma once
// The shared scheduler: the process's io_context and its threads, a separate pool for blocking
// work, periodic jobs, the stage lifecycle and the shutdown signals.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/sched/clock.hpp>
#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/job.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gg::metrics {
class registry;
}  // namespace gg::metrics

namespace gg::sched {

struct scheduler_options {
  /// Threads running the io_context; 0 means hardware_concurrency (at least 1).
  unsigned io_threads = 0;
  /// Threads of the blocking pool (loads, model runs, jobs); 0 means hardware_concurrency (at
  /// least 2, so one long job cannot starve all others).
  unsigned blocking_threads = 0;
  /// While stop() waits for running jobs, it logs the ones left this often.
  std::chrono::milliseconds stop_report_interval = std::chrono::seconds(5);
  /// How long a stage may drain when start_stages() unwinds after a failed start.
  std::chrono::milliseconds unwind_drain_timeout = std::chrono::seconds(10);
  /// Where periodic jobs read the time and get their timers (firing, retry delays, next_fire,
  /// last_start, last_duration); null means real_clock(). Tests pass a manual_clock. The stop
  /// and drain waits above are always real time.
  std::shared_ptr<clock> time_source;
  /// Seeds the retry jitter draws (each job's stream derives from it and the job's id), so a
  /// run can be reproduced; 0 seeds every job from the kernel's entropy.
  std::uint64_t jitter_seed = 0;
  /// Where the periodic jobs register their metrics (runs, skips, retries, durations); null:
  /// the process-wide metrics::global(). Must outlive the scheduler.
  metrics::registry* metrics = nullptr;
};

/// One stage's name and health, as reported on /readyz.
struct stage_status {
  std::string name;
  gg::health health;
};

/// Owns one io_context run by `io_threads` threads and a thread pool for blocking work, so a long
/// load or model run never stalls I/O. Periodic jobs (fixed interval or cron) run on the blocking
/// pool, never overlap themselves, retry per their policy and can be cancelled cooperatively.
/// Stages are started in dependency order and stopped in reverse.
///
/// Thread safety: job functions (every, on_cron, run_now, cancel, stats, jobs), health(), ready(),
/// io(), blocking_executor() and on_shutdown() may be called from any thread. The stage lifecycle
/// (add_stage, start_stages, stop_stages) belongs to one control thread. stop() may be called from
/// any thread, including an io thread (it then leaves joining to join() or the destructor), but
/// not from inside a job, which it would wait for. Destroy the scheduler from a thread that is not
/// one of its own.
class scheduler {
 public:
  explicit scheduler(scheduler_options options = {});
  /// Stops the stages still running (with unwind_drain_timeout), then calls stop().
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  boost::asio::io_context& io() noexcept;
  /// The pool for blocking work. Work posted here is finished (not abandoned) by stop().
  boost::asio::thread_pool::executor_type blocking_executor() noexcept;
  unsigned io_thread_count() const noexcept;
  unsigned blocking_thread_count() const noexcept;
  /// The clock the jobs run on (the one in the options, or the real one). Never null.
  const std::shared_ptr<clock>& time_source() const noexcept;

  /// Starts the io threads; idempotent, and a no-op after stop(). Nothing is scheduled until
  /// it is called; jobs and stages may be added before.
  void run();
  /// Blocks until the io threads have exited, which happens once stop() is called. Must not be
  /// called from an io thread.
  void join();
  /// Cancels every job (timers stop, running jobs see their stop token), waits for running jobs
  /// to return (logging the ones left every stop_report_interval), stops the io_context once every
  /// job's timers have dropped their handlers (so no job outlives the scheduler), joins the io
  /// threads, then waits for the blocking pool to finish its queued work. Idempotent. If run()
  /// was never called, the calling thread runs the cancellations itself.
  void stop();
  bool stopped() const noexcept;

  /// Runs `fn` every `interval` at a fixed rate (a firing that finds the previous run still
  /// going is skipped and counted). Errors: invalid_input for a non-positive interval,
  /// conflict for a name already in use, unavailable after stop().
  gg::result<job_id> every(std::string name, std::chrono::milliseconds interval, job fn,
                           job_options options = {});
  /// Runs `fn` at every minute `expr` matches in `zone`. Errors as for every(), plus
  /// invalid_input for an expression that can never fire.
  gg::result<job_id> on_cron(std::string name, cron_expr expr, time_zone_spec zone, job fn,
                             job_options options = {});
  /// Starts a run now, outside the schedule. Errors: not_found for an unknown or cancelled job,
  /// conflict (and a counted skip) when it is running, unavailable after stop().
  gg::status run_now(job_id id);
  /// Removes the job: no further firings, and a running attempt sees its stop token. Does not
  /// wait for it. Errors: not_found.
  gg::status cancel(job_id id);
  std::optional<job_stats> stats(job_id id) const;
  /// Every registered job, in registration order.
  std::vector<job_stats> jobs() const;

  /// Adds a stage; the scheduler shares its ownership. Call before start_stages().
  void add_stage(std::shared_ptr<gg::stage> s);
  /// Starts the stages in dependency order. An unknown dependency, a repeated name or a cycle is
  /// an error naming it, and nothing is started. If a start fails, the stages already started
  /// are stopped in reverse order and that error is returned.
  gg::status start_stages();
  /// request_stop() on every started stage in reverse start order, then drain(until) on each in
  /// the same order, logging whatever a stage reports as left. Blocks up to `until` per stage.
  void stop_stages(gg::deadline until);
  /// Every added stage with its health, in the order added.
  std::vector<stage_status> health() const;
  /// True once start_stages() succeeded, until stop_stages(), while every stage is up.
  bool ready() const;

  /// Installs the shutdown callback: the first SIGINT or SIGTERM calls it once on an io thread;
  /// a second one logs and exits the process at once with status 130. SIGHUP is caught and
  /// logged (reserved for reloading the configuration). Calling again replaces the callback.
  void on_shutdown(std::function<void()> fn);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::sched

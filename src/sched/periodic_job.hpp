#pragma once
// One periodic job of a scheduler: its schedule timers, its runs on the blocking pool, its retry
// wait and its statistics.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/sched/clock.hpp>
#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/job.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>

namespace gg::sched::detail {

/// What the jobs of one scheduler share: how many firings are in flight (an attempt running or
/// a retry pending) and whether the scheduler is stopping. Guarded by `mtx`.
struct run_tracker {
  std::mutex mtx;
  std::condition_variable idle;
  std::uint64_t in_flight = 0;
  bool stopping = false;
};

struct interval_schedule {
  std::chrono::milliseconds every;
};
struct cron_schedule {
  cron_expr expr;
  time_zone_spec zone;
};
using schedule = std::variant<interval_schedule, cron_schedule>;

/// True on a thread that is executing a job's function.
bool inside_job() noexcept;

/// A job's timers live on its strand; its attempts run on the blocking pool. `phase_` is the only
/// state both sides change: idle -> running (a firing, under the tracker's mutex), running ->
/// waiting (a failed attempt that will retry), waiting -> running (the retry timer) or waiting ->
/// idle (cancellation). Whoever moves it back to idle calls finish() exactly once per firing.
/// Shared-owned: every pending handler holds a reference.
class periodic_job : public std::enable_shared_from_this<periodic_job> {
 public:
  /// `jitter_seed` seeds the retry jitter draws; 0 draws the seed from the kernel's entropy.
  /// `registry` receives the job's counters and histogram and must outlive the job.
  periodic_job(job_id id, std::string name, schedule when, job fn, job_options options,
               boost::asio::io_context& io, boost::asio::thread_pool::executor_type pool,
               run_tracker& tracker, std::shared_ptr<clock> clk, std::uint64_t jitter_seed,
               metrics::registry& registry);

  periodic_job(const periodic_job&) = delete;
  periodic_job& operator=(const periodic_job&) = delete;

  /// Arms the schedule (and the start-up run) once the io_context runs.
  void start();
  /// Starts a firing now. Errors: unavailable while stopping, not_found once cancelled,
  /// conflict (counted as a skip) while a firing is in flight.
  gg::status fire();
  /// No more firings; a running attempt sees its stop token; a pending retry ends at once. The
  /// timers are cancelled on the job's strand, so after this returns they may still hold their
  /// handlers (and with them the job) until the strand has run; see after_cancel().
  void cancel();
  /// Runs `fn` on the job's strand once the timer cancellation queued by an earlier cancel() has
  /// run, so no timer of this job holds a handler any more. `fn` must not block; it is dropped
  /// unrun if the io_context is stopped first.
  void after_cancel(std::function<void()> fn);

  job_stats stats() const;
  const std::string& name() const noexcept { return name_; }
  bool in_flight() const noexcept { return phase_.load() != phase::idle; }

 private:
  enum class phase { idle, running, waiting };

  void arm_next();
  void run_attempt(unsigned attempt);
  void arm_retry(unsigned attempt, std::chrono::milliseconds delay);
  bool end_wait() noexcept;
  void finish();

  const job_id id_;
  const std::string name_;
  const schedule schedule_;
  const job fn_;
  const job_options options_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::thread_pool::executor_type pool_;
  run_tracker& tracker_;
  const std::shared_ptr<clock> clock_;

  // Touched on the strand only.
  std::unique_ptr<clock_timer> interval_timer_;
  std::unique_ptr<clock_timer> cron_timer_;
  std::unique_ptr<clock_timer> retry_timer_;
  std::chrono::steady_clock::time_point next_due_{};
  std::chrono::system_clock::time_point last_cron_fire_{};

  std::stop_source stop_;
  std::atomic<bool> cancelled_{false};
  std::atomic<phase> phase_{phase::idle};
  // Retry jitter draws; used by run_attempt only, which never runs concurrently with itself.
  gg::prng jitter_;

  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> cancelled_runs_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::atomic<std::uint64_t> skipped_{0};

  mutable std::mutex detail_mtx_;  // guards the fields below
  std::optional<std::chrono::system_clock::time_point> next_fire_;
  std::optional<std::chrono::system_clock::time_point> last_start_;
  std::chrono::nanoseconds last_duration_{0};
  std::string last_error_;

  metrics::counter& runs_succeeded_;
  metrics::counter& runs_failed_;
  metrics::counter& runs_cancelled_;
  metrics::counter& skipped_total_;
  metrics::counter& retries_total_;
  metrics::histogram& duration_;
};

}  // namespace gg::sched::detail

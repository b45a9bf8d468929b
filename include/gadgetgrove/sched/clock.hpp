#pragma once
// The time source of a scheduler's periodic jobs: the process's real clocks, or a manual clock
// (the test double in tests/support/manual_clock) with which tests drive fixed-rate firing,
// skips and retries without sleeping.

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace gg::sched {

/// A one-shot timer of a clock. A handler runs on the executor the timer was made with: with an
/// empty error code once the deadline is reached, or with boost::asio::error::operation_aborted
/// when the wait is cancelled or replaced by a new one. Destroying the timer drops a pending
/// handler unrun. Not thread-safe: use a timer from its executor (a strand) only.
class clock_timer {
 public:
  using handler = std::function<void(const boost::system::error_code&)>;

  virtual ~clock_timer() = default;
  /// Waits for the clock's monotonic time to reach `deadline` (intervals, retry delays).
  virtual void wait_until(std::chrono::steady_clock::time_point deadline, handler fn) = 0;
  /// Waits for the clock's wall time to reach `deadline` (cron fire times).
  virtual void wait_until(std::chrono::system_clock::time_point deadline, handler fn) = 0;
  virtual void cancel() = 0;
};

/// Where a scheduler reads the time and gets its timers. Implementations are thread-safe.
class clock {
 public:
  virtual ~clock() = default;
  /// Monotonic time: intervals and retry delays are measured on it.
  virtual std::chrono::steady_clock::time_point steady_now() const noexcept = 0;
  /// Wall time: cron schedules, next_fire and last_start read it.
  virtual std::chrono::system_clock::time_point wall_now() const noexcept = 0;
  /// A timer whose handlers run on `ex`.
  virtual std::unique_ptr<clock_timer> make_timer(boost::asio::any_io_executor ex) = 0;
};

/// The process's steady_clock and system_clock, with Asio's timers. One shared instance.
std::shared_ptr<clock> real_clock();

}  // namespace gg::sched

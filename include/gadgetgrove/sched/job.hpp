#pragma once
// The vocabulary of periodic jobs: what a job is, how it is configured and what the scheduler
// reports about it.

#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

namespace gg::sched {

/// Identifies a job registered with a scheduler; never reused by that scheduler.
enum class job_id : std::uint64_t {};

/// The work of a periodic job. It runs on the scheduler's blocking pool, never concurrently with
/// itself. It should check the token between steps and, once a stop is requested, return
/// quickly; returning an error with errc::cancelled marks the run cancelled (not failed).
/// Exceptions are caught and count as a failure.
using job = std::function<gg::status(std::stop_token)>;

/// How a failed run is retried: `retries` more attempts, the first `delay` after the failure.
/// With `exponential`, retry n waits delay * 2^(n-1), capped at max_delay (a delay above
/// max_delay is honoured as is: the cap never shortens the configured delay). Without it every
/// retry waits `delay`. `jitter` in [0, 1] spreads each wait uniformly over
/// [wait * (1 - jitter), wait]; out-of-range values are clamped. A retry never happens when the
/// job is cancelled or the error is errc::cancelled; while a retry is pending, firings are
/// skipped. The one retry rule of the program: periodic jobs and pipeline flows both use it.
struct retry_policy {
  unsigned retries = 2;
  std::chrono::milliseconds delay = std::chrono::seconds(10);
  bool exponential = false;
  double jitter = 0.0;
  std::chrono::milliseconds max_delay = std::chrono::minutes(10);
};

/// The wait before retry number `retry` (1 for the first; 0 counts as 1) with `jitter_draw` in
/// [0, 1), drawn by the caller (gg::prng::unit(); fixed in tests). A draw of 0 gives the full
/// wait, a draw near 1 the shortest. Never overflows, whatever the retry number.
std::chrono::milliseconds retry_delay(const retry_policy& p, unsigned retry,
                                      double jitter_draw) noexcept;

struct job_options {
  /// Also run once as soon as the scheduler runs, instead of waiting for the first due time.
  bool run_at_start = false;
  retry_policy retry{};
};

/// A snapshot of one job's history. Counters count attempts, so one firing that fails twice and
/// then succeeds adds 2 to `failed`, 1 to `succeeded` and 2 to `retried`.
struct job_stats {
  job_id id{};
  std::string name;
  std::string schedule;  // "every 60000ms" or "cron */5 * * * * UTC"
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t retried = 0;
  std::uint64_t skipped = 0;  // firings dropped because the previous one was still running
  bool running = false;       // an attempt is executing or a retry is pending
  std::optional<std::chrono::system_clock::time_point> next_fire;
  std::optional<std::chrono::system_clock::time_point> last_start;
  std::chrono::nanoseconds last_duration{0};
  std::string last_error;  // of the most recent failed attempt; empty if none failed
};

}  // namespace gg::sched

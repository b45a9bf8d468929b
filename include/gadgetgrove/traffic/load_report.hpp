#pragma once
// What a run of synthetic traffic did: live counters while it runs, a report when it ends.

#include <gadgetgrove/traffic/latency_histogram.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gg::traffic {

/// Why a request failed.
enum class error_kind : std::uint8_t {
  connect,       // refused, unreachable: no connection
  timeout,       // no complete answer within the request timeout
  closed,        // the connection closed or reset before a complete answer
  bad_response,  // an answer that is not HTTP/1.1 as we know it
  http_4xx,
  http_5xx,
};
inline constexpr std::size_t error_kind_count = 6;
std::string_view to_string(error_kind k) noexcept;

/// Counters of a run, updated by the generator's threads (relaxed atomics) and readable from
/// any thread at any time.
struct run_counters {
  std::atomic<std::uint64_t> sessions_started{0};
  std::atomic<std::uint64_t> sessions_completed{0};  // every step played
  std::atomic<std::uint64_t> sessions_cut{0};        // ended early by the end of the run
  std::atomic<std::uint64_t> requests_sent{0};
  std::atomic<std::uint64_t> requests_ok{0};      // answered 2xx/3xx
  std::atomic<std::uint64_t> requests_failed{0};  // any error_kind
  std::atomic<std::uint64_t> events_sent{0};
  std::atomic<std::uint64_t> events_acked{0};
  std::atomic<std::uint64_t> events_rejected{0};  // refused by the server (4xx, or per event)
  std::array<std::atomic<std::uint64_t>, error_kind_count> errors{};
  /// Largest delay between a step's scheduled time and its first byte sent, in µs.
  std::atomic<std::uint64_t> max_lag_us{0};
  /// From each request's intended start (its step's scheduled time, or the previous request's
  /// answer within a step) to its complete answer, for answered requests.
  latency_histogram latency;

  void count_error(error_kind k) noexcept {
    errors[static_cast<std::size_t>(k)].fetch_add(1, std::memory_order_relaxed);
    requests_failed.fetch_add(1, std::memory_order_relaxed);
  }
  void note_lag(std::uint64_t us) noexcept {
    std::uint64_t seen = max_lag_us.load(std::memory_order_relaxed);
    while (us > seen && !max_lag_us.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }
};

/// The summary of a finished run (also written as JSON by --report).
struct load_report {
  std::string target;        // "http://127.0.0.1:8000"
  std::string pacing;        // "events" or "sessions"
  double target_rate = 0;    // per second, in units of `pacing`
  unsigned concurrency = 0;  // connections
  unsigned threads = 1;
  double duration_s = 0;  // as asked; 0 when the run was bounded by the backfill only
  double elapsed_s = 0;   // measured
  std::uint64_t seed = 0;
  unsigned backfill_days = 0;

  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_completed = 0;
  std::uint64_t sessions_cut = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t requests_ok = 0;
  std::uint64_t requests_failed = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t events_acked = 0;
  std::uint64_t events_rejected = 0;
  std::array<std::uint64_t, error_kind_count> errors{};

  double achieved_events_per_s = 0;    // events sent per second of elapsed time
  double achieved_sessions_per_s = 0;  // sessions started per second
  double achieved_ratio = 0;           // achieved / target in units of `pacing`; 0 unpaced
  bool kept_up = true;                 // achieved_ratio >= 0.95 (or not paced)
  double max_lag_ms = 0;
  /// CPU time the process used during the run (all generator threads), and events per
  /// CPU-second: the generator's own cost, whatever the target's speed.
  double cpu_s = 0;
  double events_per_cpu_s = 0;

  double latency_p50_ms = 0;
  double latency_p90_ms = 0;
  double latency_p99_ms = 0;
  double latency_p999_ms = 0;
  double latency_max_ms = 0;
  double latency_mean_ms = 0;

  double error_rate = 0;  // failed requests / (ok + failed)
  double max_error_rate = 0.01;
  bool error_rate_exceeded = false;
  std::string ack_log;  // path, empty when none was written
};

/// The report as one JSON object.
std::string to_json(const load_report& r);
/// A few human-readable lines, ending in a newline.
std::string format_summary(const load_report& r);
/// One progress line (no newline): sent, acknowledged, errors by kind, rate over the last
/// interval, p50/p99 so far.
std::string format_progress(double elapsed_s, const run_counters& c, double interval_rate,
                            std::string_view rate_unit);

}  // namespace gg::traffic

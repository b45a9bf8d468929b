#pragma once
// `gadgetgrove simulate`: an open-loop load generator that plays synthetic shoppers against a
// running shop over HTTP, exactly as browsers would.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/traffic/load_report.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

namespace gg::traffic {

enum class progress_mode : std::uint8_t { automatic, always, never };

/// Every option of `gadgetgrove simulate` (src/app maps the CLI onto it).
struct simulate_options {
  /// Target shop. Unset: the public address in <data_dir>/serve.json when data_dir is set and
  /// the file exists, else http://127.0.0.1:8000.
  std::optional<std::string> url;
  std::string data_dir;
  /// Open-loop pacing: events per second, or sessions per second (at most one of the two is
  /// non-zero). Neither: 200 events/s (5000 events/s with a backfill).
  double rate = 0;
  double session_rate = 0;
  /// How long sessions are scheduled. Unset: 10 s, or until the backfill is played.
  std::optional<std::chrono::milliseconds> duration;
  /// Connections (keep-alive), shared by the sessions.
  unsigned concurrency = 16;
  /// Seed of the session model; unset: drawn at random (and printed in the report).
  std::optional<std::uint64_t> seed;
  /// When > 0: sessions are stamped over the last N days following the weekday/hour curve.
  unsigned backfill_days = 0;
  unsigned backfill_sessions_per_day = 300;
  /// Session pacing only: real pause between steps = the model's think time * think_scale.
  double think_scale = 0.02;
  /// Generator threads (each with its share of rate and connections).
  unsigned threads = 1;
  std::string report_path;   // JSON report; empty: none
  std::string ack_log_path;  // acknowledged event ids, one per line; empty: none
  /// Exit status 1 when failed requests exceed this share of answered + failed ones.
  double max_error_rate = 0.01;
  /// A request unanswered this long is an error (timeout).
  std::chrono::milliseconds timeout{5000};
  /// GET pages and category listings too (off: only the tracker's and checkout's calls).
  bool page_loads = true;
  progress_mode progress = progress_mode::automatic;
  session_profile profile;
};

/// Hooks for embedding run_load.
struct run_control {
  /// Ends the run early (as Ctrl-C does for run_simulate).
  std::stop_token stop;
  /// Called about every second on the calling thread with the live counters.
  std::function<void(double elapsed_s, const run_counters& counters)> on_tick;
  /// Called with one line (no newline) for notices (fallback catalog, resolved target).
  std::function<void(const std::string& line)> on_notice;
};

/// Runs the generator to its end and returns the report; blocks the calling thread. Errors:
/// config (bad URL or options, unresolvable host), io (the ack log cannot be written). A target
/// that is down is not an error: its failures are counted in the report.
gg::result<load_report> run_load(const simulate_options& options, const run_control& control = {});

/// The whole command: progress lines on stderr (every second when stderr is a terminal, or
/// as `progress` says), Ctrl-C/SIGTERM end the run early, the summary on stdout, the JSON
/// report to report_path. Returns the exit status: 0, 1 when the error rate exceeds
/// max_error_rate or a file cannot be written, 2 for bad options.
int run_simulate(const simulate_options& options);

}  // namespace gg::traffic

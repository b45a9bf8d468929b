// The `simulate` command as a standalone program: the same options as
// `gadgetgrove simulate`, for benchmarks (tools/bench/simulate/run.sh) and trials.

#include <gadgetgrove/traffic/simulate.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  gg::traffic::simulate_options o;
  CLI::App app{"Open-loop synthetic shop traffic against a GadgetGrove shop (or any server)."};
  std::string url;
  double duration_s = -1;
  double timeout_s = 5;
  std::uint64_t seed = 0;
  bool no_pages = false;
  std::string progress = "auto";
  app.add_option("--url", url, "Target shop (default http://127.0.0.1:8000, or serve.json's)");
  app.add_option("--data-dir", o.data_dir, "Read the target from <data-dir>/serve.json");
  app.add_option("--rate", o.rate, "Events per second (open loop)");
  app.add_option("--session-rate", o.session_rate, "Sessions per second (open loop)");
  app.add_option("--duration", duration_s,
                 "Seconds of scheduling (default 10; backfill: until done)");
  app.add_option("--concurrency", o.concurrency, "Connections")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the session model (default: random)");
  app.add_option("--backfill-days", o.backfill_days, "Stamp sessions over the last N days");
  app.add_option("--backfill-sessions-per-day", o.backfill_sessions_per_day,
                 "Sessions per day of backfill")
      ->capture_default_str();
  app.add_option("--think-scale", o.think_scale, "Session pacing: think time multiplier")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Generator threads")->capture_default_str();
  app.add_option("--report", o.report_path, "Write the JSON report here");
  app.add_option("--ack-log", o.ack_log_path, "Write acknowledged event ids here");
  app.add_option("--max-error-rate", o.max_error_rate, "Exit 1 above this share of failures")
      ->capture_default_str();
  app.add_option("--timeout", timeout_s, "Request timeout, seconds")->capture_default_str();
  app.add_flag("--no-page-loads", no_pages, "Only the tracker's and checkout's requests");
  app.add_option("--progress", progress, "auto|always|never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  CLI11_PARSE(app, argc, argv);
  if (!url.empty()) o.url = url;
  if (duration_s >= 0) {
    o.duration = std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000));
  }
  if (app.count("--seed") > 0) o.seed = seed;
  o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  o.page_loads = !no_pages;
  o.progress = progress == "always"  ? gg::traffic::progress_mode::always
               : progress == "never" ? gg::traffic::progress_mode::never
                                     : gg::traffic::progress_mode::automatic;
  return gg::traffic::run_simulate(o);
}

#include <gadgetgrove/traffic/load_report.hpp>

#include <gadgetgrove/core/json_text.hpp>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace gg::traffic {
namespace {

std::string errors_by_kind(const std::array<std::uint64_t, error_kind_count>& errors) {
  std::string out;
  for (std::size_t i = 0; i < error_kind_count; ++i) {
    if (errors[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", to_string(static_cast<error_kind>(i)), errors[i]);
  }
  return out;
}

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

// The rates and the error rate keep the decimals the report has always had; target_rate,
// duration_s and max_error_rate are written as given (shortest round-trip).
constexpr json_decimals report_decimals[] = {
    {"elapsed_s", 3},
    {"achieved_events_per_s", 2},
    {"achieved_sessions_per_s", 3},
    {"achieved_ratio", 4},
    {"max_lag_ms", 3},
    {"seconds", 3},
    {"events_per_cpu_second", 1},
    {"latency_ms", 3},
    {"error_rate", 6},
};

}  // namespace

std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::connect:
      return "connect";
    case error_kind::timeout:
      return "timeout";
    case error_kind::closed:
      return "closed";
    case error_kind::bad_response:
      return "bad_response";
    case error_kind::http_4xx:
      return "http_4xx";
    case error_kind::http_5xx:
      return "http_5xx";
  }
  return "unknown";
}

std::string to_json(const load_report& r) {
  boost::json::object errors;
  for (std::size_t i = 0; i < error_kind_count; ++i) {
    errors[to_string(static_cast<error_kind>(i))] = r.errors[i];
  }
  std::string out = json_text(
      boost::json::object{
          {"target", r.target},
          {"pacing", r.pacing},
          {"target_rate", r.target_rate},
          {"concurrency", r.concurrency},
          {"threads", r.threads},
          {"duration_s", r.duration_s},
          {"elapsed_s", r.elapsed_s},
          {"seed", r.seed},
          {"backfill_days", r.backfill_days},
          {"sessions",
           {{"started", r.sessions_started},
            {"completed", r.sessions_completed},
            {"cut", r.sessions_cut}}},
          {"requests",
           {{"sent", r.requests_sent}, {"ok", r.requests_ok}, {"failed", r.requests_failed}}},
          {"events",
           {{"sent", r.events_sent},
            {"acknowledged", r.events_acked},
            {"rejected", r.events_rejected}}},
          {"errors", std::move(errors)},
          {"rate",
           {{"achieved_events_per_s", r.achieved_events_per_s},
            {"achieved_sessions_per_s", r.achieved_sessions_per_s},
            {"achieved_ratio", r.achieved_ratio},
            {"kept_up", r.kept_up},
            {"max_lag_ms", r.max_lag_ms}}},
          {"cpu", {{"seconds", r.cpu_s}, {"events_per_cpu_second", r.events_per_cpu_s}}},
          {"latency_ms",
           {{"p50", r.latency_p50_ms},
            {"p90", r.latency_p90_ms},
            {"p99", r.latency_p99_ms},
            {"p999", r.latency_p999_ms},
            {"max", r.latency_max_ms},
            {"mean", r.latency_mean_ms}}},
          {"error_rate", r.error_rate},
          {"max_error_rate", r.max_error_rate},
          {"error_rate_exceeded", r.error_rate_exceeded},
          {"ack_log", r.ack_log},
      },
      report_decimals);
  out += '\n';
  return out;
}

std::string format_summary(const load_report& r) {
  std::string out = fmt::format(
      "simulate: {} | {} pacing at {:g}/s | {} connection{} | {:.1f} s | seed {}\n", r.target,
      r.pacing, r.target_rate, r.concurrency, r.concurrency == 1 ? "" : "s", r.elapsed_s, r.seed);
  if (r.backfill_days > 0) {
    out += fmt::format("  backfill   {} days of history\n", r.backfill_days);
  }
  out += fmt::format("  sessions   started {}  completed {}  cut by the end {}\n",
                     r.sessions_started, r.sessions_completed, r.sessions_cut);
  const std::string kinds = errors_by_kind(r.errors);
  out += fmt::format("  requests   sent {}  ok {}  failed {}{}\n", r.requests_sent, r.requests_ok,
                     r.requests_failed, kinds.empty() ? "" : " (" + kinds + ")");
  out += fmt::format("  events     sent {}  acknowledged {}  rejected {}\n", r.events_sent,
                     r.events_acked, r.events_rejected);
  out += fmt::format("  rate       {:.1f} events/s, {:.2f} sessions/s", r.achieved_events_per_s,
                     r.achieved_sessions_per_s);
  if (r.achieved_ratio > 0) out += fmt::format(" ({:.1f}% of target)", r.achieved_ratio * 100);
  out += '\n';
  out += fmt::format(
      "  latency    p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms  p99.9 {:.3f} ms  max {:.3f} ms\n",
      r.latency_p50_ms, r.latency_p90_ms, r.latency_p99_ms, r.latency_p999_ms, r.latency_max_ms);
  out += fmt::format("  cpu        {:.2f} s ({:.0f} events per CPU-second)\n", r.cpu_s,
                     r.events_per_cpu_s);
  out += fmt::format("  errors     {:.3f}% of requests (limit {:.3f}%){}\n", r.error_rate * 100,
                     r.max_error_rate * 100, r.error_rate_exceeded ? ": EXCEEDED" : "");
  if (!r.kept_up) {
    out += fmt::format(
        "  NOT KEPT UP: achieved {:.1f}% of the target {} rate; steps started up to {:.1f} ms "
        "late (the server, or this generator, cannot sustain the target)\n",
        r.achieved_ratio * 100, r.pacing == "events" ? "event" : "session", r.max_lag_ms);
  }
  if (!r.ack_log.empty()) out += fmt::format("  ack log    {}\n", r.ack_log);
  return out;
}

std::string format_progress(double elapsed_s, const run_counters& c, double interval_rate,
                            std::string_view rate_unit) {
  std::array<std::uint64_t, error_kind_count> errors{};
  std::uint64_t failed = 0;
  for (std::size_t i = 0; i < error_kind_count; ++i) {
    errors[i] = c.errors[i].load(std::memory_order_relaxed);
    failed += errors[i];
  }
  const std::string kinds = errors_by_kind(errors);
  return fmt::format(
      "[{:6.1f}s] sent {} ev / {} req | acked {} | errors {}{} | {:.1f} {}/s | p50 {:.2f} ms p99 "
      "{:.2f} ms",
      elapsed_s, c.events_sent.load(std::memory_order_relaxed),
      c.requests_sent.load(std::memory_order_relaxed),
      c.events_acked.load(std::memory_order_relaxed), failed,
      kinds.empty() ? "" : " (" + kinds + ")", interval_rate, rate_unit,
      ms(c.latency.percentile(50)), ms(c.latency.percentile(99)));
}

}  // namespace gg::traffic

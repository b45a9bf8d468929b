// Cost of finding a cron expression's next fire time, by zone kind: a named zone
// ("Europe/Berlin", read through the date library from /usr/share/zoneinfo), the same rules as
// the process's local zone (TZ=Europe/Berlin, through glibc's localtime_r and mktime: the
// reference a named zone replaces) and a fixed offset (pure arithmetic). Each figure is the
// median of several runs over start instants spread across 2026, so DST transitions are crossed.
//   bench_cron [calls-per-run] [runs]   (defaults 20000 and 5)

#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace {

using gg::sched::cron_expr;
using gg::sched::time_zone_spec;
using std::chrono::system_clock;

/// Nanoseconds per next_after call for `expr` in `zone`, median of `runs`.
double ns_per_call(const cron_expr& expr, const time_zone_spec& zone, int calls, int runs,
                   std::int64_t& sink) {
  const auto year_start =
      system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
  const auto step =
      std::chrono::duration_cast<system_clock::duration>(std::chrono::hours(24 * 365)) / calls;
  std::vector<double> per_run;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      const auto next = expr.next_after(year_start + step * i, zone);
      if (next)
        sink += std::chrono::floor<std::chrono::minutes>(*next).time_since_epoch().count() % 97;
    }
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    per_run.push_back(std::chrono::duration<double, std::nano>(elapsed).count() / calls);
  }
  std::sort(per_run.begin(), per_run.end());
  return per_run[per_run.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20000;
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;

  ::setenv("TZ", "Europe/Berlin", 1);
  ::tzset();
  auto named = time_zone_spec::parse("Europe/Berlin");
  auto fixed = time_zone_spec::parse("+01:00");
  if (!named || !fixed) {
    fmt::print(stderr, "bench_cron: {}\n", named ? fixed.error().message : named.error().message);
    return 1;
  }
  const time_zone_spec local = time_zone_spec::local();

  fmt::print("cron next_after, {} calls per run, median of {} runs (ns per call)\n", calls, runs);
  fmt::print("{:<16} {:>12} {:>12} {:>12} {:>14}\n", "expression", "named", "local(glibc)", "fixed",
             "named/local");
  std::int64_t sink = 0;
  for (const char* text :
       {"* * * * *", "*/15 * * * *", "30 2 * * *", "0 9 * * 1-5", "@monthly", "0 0 29 2 1"}) {
    auto expr = cron_expr::parse(text);
    if (!expr) {
      fmt::print(stderr, "bench_cron: {}\n", expr.error().message);
      return 1;
    }
    const double n = ns_per_call(*expr, *named, calls, runs, sink);
    const double l = ns_per_call(*expr, local, calls, runs, sink);
    const double f = ns_per_call(*expr, *fixed, calls, runs, sink);
    fmt::print("{:<16} {:>12.0f} {:>12.0f} {:>12.0f} {:>14.2f}\n", text, n, l, f, n / l);
  }
  fmt::print("(checksum {})\n", sink);
  return 0;
}

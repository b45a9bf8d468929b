#include "flow_schedule.hpp"

#include "cli.hpp"

#include <gadgetgrove/sched/cron_expr.hpp>

#include <fmt/format.h>

namespace gg::app {
namespace {

std::string_view trim(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}

std::string interval_text(std::chrono::milliseconds d) {
  if (d.count() == 0) return "off";
  auto ms = d.count();
  return ms % 1000 == 0 ? fmt::format("every {}s", ms / 1000) : fmt::format("every {}ms", ms);
}

}  // namespace

gg::result<flows::schedule> parse_flow_schedule(std::string_view text, sched::time_zone_spec zone) {
  auto t = trim(text);
  if (t == "off") return flows::schedule::none();
  bool said_every = false;
  if (t.substr(0, 6) == "every ") {
    t = trim(t.substr(6));
    said_every = true;
  }
  if (auto d = parse_duration(t)) {
    if (d->count() <= 0) {
      return gg::fail(errc::invalid_input,
                      fmt::format("'{}': an interval must be longer than zero (or say off)", text));
    }
    return flows::schedule::every(*d);
  }
  if (said_every) {
    return gg::fail(errc::invalid_input,
                    fmt::format("'{}': not an interval (examples: every 60s, every 15m)", text));
  }
  auto cron = sched::cron_expr::parse(t);
  if (!cron) {
    return gg::fail(errc::invalid_input,
                    fmt::format("'{}' is not a schedule: use 'every 60s', an interval like 60s, a "
                                "5-field cron expression such as '*/15 * * * *', or off ({})",
                                text, cron.error().message));
  }
  return flows::schedule::on_cron(std::move(*cron), zone);
}

std::string load_schedule_text(const settings& s) {
  return s.load_schedule.empty() ? interval_text(s.load_interval) : s.load_schedule;
}

std::string transform_schedule_text(const settings& s) {
  return s.transform_schedule.empty() ? interval_text(s.transform_interval) : s.transform_schedule;
}

}  // namespace gg::app

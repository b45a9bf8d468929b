#include <gadgetgrove/flows/flow.hpp>

#include <fmt/format.h>

#include <array>
#include <utility>

namespace gg::flows {
namespace {

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& names,
                            std::string_view text) noexcept {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names,
                         E value) noexcept {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<trigger_kind, std::string_view>, 4> trigger_names{{
    {trigger_kind::schedule, "schedule"},
    {trigger_kind::event, "event"},
    {trigger_kind::manual, "manual"},
    {trigger_kind::retry, "retry"},
}};

constexpr std::array<std::pair<run_state, std::string_view>, 8> state_names{{
    {run_state::scheduled, "scheduled"},
    {run_state::pending, "pending"},
    {run_state::running, "running"},
    {run_state::completed, "completed"},
    {run_state::failed, "failed"},
    {run_state::crashed, "crashed"},
    {run_state::cancelled, "cancelled"},
    {run_state::skipped, "skipped"},
}};

/// Floor division, so fire times before the epoch still land on multiples of the interval.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::string_view to_string(trigger_kind t) noexcept { return name_of(trigger_names, t); }

std::optional<trigger_kind> parse_trigger_kind(std::string_view text) noexcept {
  return parse_name(trigger_names, text);
}

std::string_view to_string(run_state s) noexcept { return name_of(state_names, s); }

std::optional<run_state> parse_run_state(std::string_view text) noexcept {
  return parse_name(state_names, text);
}

bool is_final(run_state s) noexcept {
  switch (s) {
    case run_state::completed:
    case run_state::failed:
    case run_state::crashed:
    case run_state::cancelled:
    case run_state::skipped:
      return true;
    case run_state::scheduled:
    case run_state::pending:
    case run_state::running:
      return false;
  }
  return false;
}

std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "info";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
  if (text == "debug") return log_level::debug;
  if (text == "info") return log_level::info;
  if (text == "warn") return log_level::warn;
  if (text == "error") return log_level::error;
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds d) {
  using namespace std::chrono;
  if (d < milliseconds::zero()) return "-" + format_duration(-d);
  if (d < seconds(1)) return fmt::format("{}ms", d.count());
  if (d < minutes(1)) {
    if (d % seconds(1) == milliseconds::zero()) {
      return fmt::format("{}s", duration_cast<seconds>(d).count());
    }
    return fmt::format("{:.3g}s", static_cast<double>(d.count()) / 1000.0);
  }
  // Beyond a minute, milliseconds are noise; whole units only, zero units left out.
  auto rest = duration_cast<seconds>(d);
  std::string out;
  const auto part = [&](seconds unit, const char* suffix) {
    const auto n = rest / unit;
    if (n > 0) out += fmt::format("{}{}", n, suffix);
    rest -= n * unit;
  };
  part(hours(24), "d");
  part(hours(1), "h");
  part(minutes(1), "m");
  part(seconds(1), "s");
  return out;
}

std::optional<std::chrono::system_clock::time_point> schedule::next_after(
    std::chrono::system_clock::time_point t) const {
  using namespace std::chrono;
  if (interval) {
    if (*interval <= milliseconds::zero()) return std::nullopt;
    const auto step = duration_cast<system_clock::duration>(*interval).count();
    const auto since_epoch = t.time_since_epoch().count();
    const auto next = (floor_div(since_epoch, step) + 1) * step;
    return system_clock::time_point(system_clock::duration(next));
  }
  if (cron) return cron->next_after(t, zone);
  return std::nullopt;
}

std::optional<std::chrono::system_clock::time_point> schedule::last_at_or_before(
    std::chrono::system_clock::time_point t) const {
  using namespace std::chrono;
  if (interval) {
    if (*interval <= milliseconds::zero()) return std::nullopt;
    const auto step = duration_cast<system_clock::duration>(*interval).count();
    const auto n = floor_div(t.time_since_epoch().count(), step);
    return system_clock::time_point(system_clock::duration(n * step));
  }
  if (!cron) return std::nullopt;
  // Cron has no backwards search: look back over a growing window (a minute up to a 400-day
  // year) for its first fire time, then walk forward to the last one not after `t`.
  for (auto span = minutes(1); span <= hours(24 * 400); span *= 4) {
    auto fire = cron->next_after(t - span, zone);
    if (!fire || *fire > t) continue;
    for (auto next = cron->next_after(*fire, zone); next && *next <= t;
         next = cron->next_after(*next, zone)) {
      fire = next;
    }
    return fire;
  }
  return std::nullopt;
}

std::string schedule::to_string() const {
  using namespace std::chrono;
  if (interval) {
    if (*interval % seconds(1) == milliseconds::zero()) {
      return fmt::format("every {}s", duration_cast<seconds>(*interval).count());
    }
    return fmt::format("every {}ms", interval->count());
  }
  if (cron) return fmt::format("cron {} {}", cron->text(), zone.to_string());
  return "manual";
}

}  // namespace gg::flows

#include <gadgetgrove/sched/cron_expr.hpp>

#include "wall_time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <span>

namespace gg::sched {
namespace {

using std::chrono::system_clock;

constexpr std::array<std::string_view, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> day_names = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

struct field_spec {
  std::string_view name;
  int min;
  int max;
  int star_max;  // '*' and 'a/n' end here; day-of-week stops at 6 so Sunday is not counted twice
  std::span<const std::string_view> names;
  int names_base;  // the value of names[0]
  bool seven_is_sunday;
};

constexpr field_spec minute_field{"minute", 0, 59, 59, {}, 0, false};
constexpr field_spec hour_field{"hour", 0, 23, 23, {}, 0, false};
constexpr field_spec dom_field{"day-of-month", 1, 31, 31, {}, 0, false};
constexpr field_spec month_field{"month", 1, 12, 12, month_names, 1, false};
constexpr field_spec dow_field{"day-of-week", 0, 7, 6, day_names, 0, true};

struct macro {
  std::string_view name;
  std::string_view expansion;
};
constexpr std::array<macro, 7> macros = {{{"@hourly", "0 * * * *"},
                                          {"@daily", "0 0 * * *"},
                                          {"@midnight", "0 0 * * *"},
                                          {"@weekly", "0 0 * * 0"},
                                          {"@monthly", "0 0 1 * *"},
                                          {"@yearly", "0 0 1 1 *"},
                                          {"@annually", "0 0 1 1 *"}}};

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// Parses up to four decimal digits; anything longer is out of every field's range anyway.
bool parse_number(std::string_view s, int& out) noexcept {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

gg::error field_error(const field_spec& f, std::string_view field, std::string_view detail) {
  return gg::error{gg::errc::invalid_input,
                   fmt::format("cron {} field \"{}\": {}", f.name, field, detail)};
}

gg::result<int> parse_value(const field_spec& f, std::string_view field, std::string_view token) {
  int v = 0;
  if (parse_number(token, v)) {
    if (v < f.min || v > f.max) {
      return field_error(f, field, fmt::format("{} is out of range {}-{}", v, f.min, f.max));
    }
    return v;
  }
  for (std::size_t i = 0; i < f.names.size(); ++i) {
    if (iequals(token, f.names[i])) return static_cast<int>(i) + f.names_base;
  }
  if (token.empty()) return field_error(f, field, "a value is missing");
  if (f.names.empty()) return field_error(f, field, fmt::format("\"{}\" is not a number", token));
  return field_error(f, field, fmt::format("\"{}\" is not a number or a name", token));
}

/// One list element: `*`, `a`, `a-b`, each optionally followed by `/step`.
gg::status parse_element(const field_spec& f, std::string_view field, std::string_view element,
                         std::uint64_t& bits) {
  const auto slash = element.find('/');
  const std::string_view base = element.substr(0, slash);
  int lo = 0;
  int hi = 0;
  if (base == "*") {
    lo = f.min;
    hi = f.star_max;
  } else if (const auto dash = base.find('-'); dash != std::string_view::npos) {
    auto a = parse_value(f, field, base.substr(0, dash));
    if (!a) return a.error();
    auto b = parse_value(f, field, base.substr(dash + 1));
    if (!b) return b.error();
    if (*a > *b) return field_error(f, field, fmt::format("range {}-{} is reversed", *a, *b));
    lo = *a;
    hi = *b;
  } else {
    auto a = parse_value(f, field, base);
    if (!a) return a.error();
    lo = *a;
    hi = slash == std::string_view::npos ? *a : std::max(*a, f.star_max);
  }

  int step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view step_text = element.substr(slash + 1);
    const int max_step = f.max - f.min + 1;
    if (!parse_number(step_text, step) || step < 1 || step > max_step) {
      return field_error(
          f, field, fmt::format("step \"{}\" must be a number from 1 to {}", step_text, max_step));
    }
  }
  for (int v = lo; v <= hi; v += step) {
    bits |= std::uint64_t{1} << (f.seven_is_sunday && v == 7 ? 0 : v);
  }
  return {};
}

gg::result<std::uint64_t> parse_field(const field_spec& f, std::string_view field) {
  std::uint64_t bits = 0;
  std::string_view rest = field;
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view element = rest.substr(0, comma);
    if (element.empty()) return field_error(f, field, "empty list element");
    if (auto st = parse_element(f, field, element, bits); !st) return st.error();
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return bits;
}

struct civil_minute {
  std::chrono::sys_days day;
  int minute_of_day;
};

civil_minute to_civil(system_clock::time_point t, const time_zone_spec& zone) {
  using namespace std::chrono;
  const auto wall = floor<minutes>(t + zone.offset_at(t));
  const sys_days d = floor<days>(wall);
  return civil_minute{d, static_cast<int>((wall - d).count())};
}

/// The earliest instant whose wall time in `zone` is `day` `h`:`m`, or none inside a DST gap.
std::optional<system_clock::time_point> to_utc(std::chrono::sys_days day, int h, int m,
                                               const time_zone_spec& zone) {
  using namespace std::chrono;
  const auto mapped = detail::map_wall_time(
      zone, duration_cast<seconds>(day.time_since_epoch() + hours(h) + minutes(m)));
  if (mapped.type == detail::wall_time_mapping::kind::skipped) return std::nullopt;
  return mapped.earliest;
}

}  // namespace

gg::result<cron_expr> cron_expr::parse(std::string_view text) {
  const std::string_view trimmed = trim(text);
  if (trimmed.empty()) return gg::fail(gg::errc::invalid_input, "empty cron expression");

  std::string_view body = trimmed;
  if (trimmed.front() == '@') {
    const auto found = std::find_if(macros.begin(), macros.end(),
                                    [&](const macro& m) { return iequals(m.name, trimmed); });
    if (found == macros.end()) {
      return gg::fail(gg::errc::invalid_input,
                      fmt::format("unknown cron macro \"{}\" (expected @hourly, @daily, "
                                  "@midnight, @weekly, @monthly, @yearly or @annually)",
                                  trimmed));
    }
    body = found->expansion;
  }

  std::array<std::string_view, 5> fields;
  std::size_t count = 0;
  std::string_view rest = body;
  while (!rest.empty()) {
    std::size_t n = 0;
    while (n < rest.size() && !is_space(rest[n])) ++n;
    if (count < fields.size()) fields[count] = rest.substr(0, n);
    ++count;
    rest.remove_prefix(n);
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  }
  if (count != fields.size()) {
    return gg::fail(gg::errc::invalid_input,
                    fmt::format("cron expression \"{}\": expected 5 fields (minute hour "
                                "day-of-month month day-of-week), found {}",
                                trimmed, count));
  }

  cron_expr e;
  const std::array<const field_spec*, 5> specs = {&minute_field, &hour_field, &dom_field,
                                                  &month_field, &dow_field};
  std::array<std::uint64_t, 5> bits{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto r = parse_field(*specs[i], fields[i]);
    if (!r) return r.error();
    bits[i] = *r;
  }
  e.minutes_ = bits[0];
  e.hours_ = static_cast<std::uint32_t>(bits[1]);
  e.days_ = static_cast<std::uint32_t>(bits[2]);
  e.months_ = static_cast<std::uint16_t>(bits[3]);
  e.weekdays_ = static_cast<std::uint8_t>(bits[4]);
  e.dom_star_ = fields[2].front() == '*';
  e.dow_star_ = fields[4].front() == '*';
  e.text_ = std::string(trimmed);
  return e;
}

bool cron_expr::day_matches(std::chrono::year_month_day ymd,
                            std::chrono::weekday wd) const noexcept {
  const bool dom = ((days_ >> static_cast<unsigned>(ymd.day())) & 1U) != 0;
  const bool dow = ((weekdays_ >> wd.c_encoding()) & 1U) != 0;
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

bool cron_expr::can_match_any_day() const noexcept {
  // With the OR rule any listed weekday occurs in every month. With the AND rule every weekday
  // eventually falls on every existing date, so only a date that no allowed month has is fatal.
  if (!(dom_star_ || dow_star_)) return weekdays_ != 0 || days_ != 0;
  if (weekdays_ == 0) return false;
  static constexpr std::array<unsigned, 13> longest = {0,  31, 29, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
  for (unsigned m = 1; m <= 12; ++m) {
    if (((months_ >> m) & 1U) == 0) continue;
    const std::uint32_t existing = (std::uint32_t{2} << longest[m]) - 2;  // bits 1..longest
    if ((days_ & existing) != 0) return true;
  }
  return false;
}

std::optional<system_clock::time_point> cron_expr::next_after(system_clock::time_point t,
                                                              const time_zone_spec& zone) const {
  using namespace std::chrono;
  if (!can_match_any_day()) return std::nullopt;
  const civil_minute start = to_civil(t, zone);
  sys_days d = start.day;
  int first = start.minute_of_day + 1;
  if (first == 24 * 60) {
    d += days(1);
    first = 0;
  }

  const sys_days limit = d + days(146097);  // 400 Gregorian years
  while (d < limit) {
    const year_month_day ymd{d};
    if (((months_ >> static_cast<unsigned>(ymd.month())) & 1U) == 0) {
      d = sys_days{(ymd.year() / ymd.month() + months(1)) / 1};
      first = 0;
      continue;
    }
    if (day_matches(ymd, weekday{d})) {
      for (int h = first / 60; h < 24; ++h) {
        if (((hours_ >> h) & 1U) == 0) continue;
        const int m0 = h == first / 60 ? first % 60 : 0;
        std::uint64_t mins = (minutes_ >> m0) << m0;
        while (mins != 0) {
          const int m = std::countr_zero(mins);
          mins &= mins - 1;
          if (auto r = to_utc(d, h, m, zone); r && *r > t) return r;
        }
      }
    }
    d += days(1);
    first = 0;
  }
  return std::nullopt;
}

}  // namespace gg::sched

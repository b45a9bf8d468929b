#include <gadgetgrove/sched/time_zone_spec.hpp>

#include "wall_time.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <stdexcept>

namespace gg::sched {
namespace {

using std::chrono::system_clock;

constexpr std::chrono::minutes max_offset = std::chrono::hours(18);

/// Where Debian's tzdata keeps the zoneinfo files the date library reads (USE_OS_TZDB).
constexpr std::string_view zoneinfo_dir = "/usr/share/zoneinfo";

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

bool two_digits(std::string_view s, int& out) noexcept {
  if (s.size() != 2 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1]))) {
    return false;
  }
  out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

std::string expected_forms(std::string_view text) {
  return fmt::format(
      "time zone \"{}\": expected UTC, local, an offset like +05:30 or an IANA zone name like "
      "Europe/Berlin",
      text);
}

/// The zone the database knows as `name`: exactly, or else ignoring case. Null when none.
/// Throws what the date library throws when the database cannot be read.
const date::time_zone* find_zone(std::string_view name) {
  const date::tzdb& db = date::get_tzdb();
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    // Not under that exact spelling; try the others below.
  }
  const auto found = std::find_if(db.zones.begin(), db.zones.end(), [&](const date::time_zone& z) {
    return iequals(z.name(), name);
  });
  return found == db.zones.end() ? nullptr : &*found;
}

/// The local zone's mapping, through mktime: it resolves an ambiguous time by tm_isdst, so both
/// readings are tried and kept only if they map back to the same wall time.
detail::wall_time_mapping map_local_wall_time(std::chrono::seconds wall) noexcept {
  using namespace std::chrono;
  const auto day = floor<days>(wall);
  const year_month_day ymd{sys_days{day}};
  const hh_mm_ss hms{wall - day};
  const int y = static_cast<int>(ymd.year());
  const int mon = static_cast<int>(static_cast<unsigned>(ymd.month()));
  const int mday = static_cast<int>(static_cast<unsigned>(ymd.day()));
  const int h = static_cast<int>(hms.hours().count());
  const int m = static_cast<int>(hms.minutes().count());
  const int s = static_cast<int>(hms.seconds().count());
  std::optional<system_clock::time_point> first;
  std::optional<system_clock::time_point> second;
  for (int isdst : {0, 1}) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    tm.tm_isdst = isdst;
    const std::time_t r = std::mktime(&tm);
    if (r == static_cast<std::time_t>(-1)) continue;
    std::tm back{};
    if (localtime_r(&r, &back) == nullptr) continue;
    if (back.tm_year != y - 1900 || back.tm_mon != mon - 1 || back.tm_mday != mday ||
        back.tm_hour != h || back.tm_min != m || back.tm_sec != s) {
      continue;
    }
    const auto candidate = system_clock::from_time_t(r);
    if (!first) {
      first = candidate;
    } else if (candidate != *first) {
      second = candidate;
    }
  }
  if (!first) return {detail::wall_time_mapping::kind::skipped, {}};
  if (!second) return {detail::wall_time_mapping::kind::unique, *first};
  return {detail::wall_time_mapping::kind::repeated, std::min(*first, *second)};
}

}  // namespace

gg::result<time_zone_spec> time_zone_spec::fixed(std::chrono::minutes offset) {
  if (offset > max_offset || offset < -max_offset) {
    return gg::fail(gg::errc::invalid_input,
                    fmt::format("time zone offset {} minutes is beyond +-18:00", offset.count()));
  }
  return time_zone_spec{kind::fixed, offset, nullptr};
}

gg::result<time_zone_spec> time_zone_spec::named(std::string_view name) {
  try {
    const date::time_zone* z = find_zone(name);
    if (z == nullptr) {
      return gg::fail(gg::errc::invalid_input,
                      fmt::format("{} (\"{}\" is not in the time zone database in {})",
                                  expected_forms(name), name, zoneinfo_dir));
    }
    // The zone's file is read on first use; do it now, where a failure can still be reported,
    // rather than on a scheduler thread.
    (void)z->get_info(date::sys_seconds{});
    return time_zone_spec{kind::named, {}, z};
  } catch (const std::exception& e) {
    return gg::fail(gg::errc::invalid_input,
                    fmt::format("time zone \"{}\": the time zone database in {} cannot be read "
                                "(is tzdata installed?): {}",
                                name, zoneinfo_dir, e.what()));
  }
}

gg::result<time_zone_spec> time_zone_spec::parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (iequals(text, "utc") || iequals(text, "z")) return utc();
  if (iequals(text, "local")) return local();
  if (!text.empty() && text[0] != '+' && text[0] != '-') return named(text);

  auto bad = [&] { return gg::fail(gg::errc::invalid_input, expected_forms(text)); };
  if (text.size() < 3) return bad();
  const int sign = text[0] == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  int hours = 0;
  int minutes = 0;
  if (!two_digits(rest.substr(0, 2), hours)) return bad();
  rest.remove_prefix(2);
  const bool colon = !rest.empty() && rest.front() == ':';
  if (colon) rest.remove_prefix(1);
  if ((colon || !rest.empty()) && !two_digits(rest, minutes)) return bad();
  if (minutes > 59) return bad();
  return fixed(std::chrono::minutes(sign * (hours * 60 + minutes)));
}

std::chrono::seconds time_zone_spec::offset_at(system_clock::time_point t) const noexcept {
  using namespace std::chrono;
  switch (kind_) {
    case kind::utc:
      return seconds::zero();
    case kind::fixed:
      return offset_;
    case kind::local: {
      const std::time_t tt = system_clock::to_time_t(floor<seconds>(t));
      std::tm tm{};
      if (localtime_r(&tt, &tm) == nullptr) return seconds::zero();
      return seconds(tm.tm_gmtoff);
    }
    case kind::named:
      break;
  }
  try {
    return zone_->get_info(floor<seconds>(t)).offset;
  } catch (const std::exception&) {
    // The zone's data was loaded by named(); nothing is left that could fail.
    return seconds::zero();
  }
}

std::string time_zone_spec::to_string() const {
  switch (kind_) {
    case kind::utc:
      return "UTC";
    case kind::local:
      return "local";
    case kind::named:
      return zone_->name();
    case kind::fixed:
      break;
  }
  const auto total = offset_.count();
  const auto magnitude = std::abs(total);
  return fmt::format("{}{:02}:{:02}", total < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

namespace detail {

wall_time_mapping map_wall_time(const time_zone_spec& zone, std::chrono::seconds wall) noexcept {
  using namespace std::chrono;
  switch (zone.type()) {
    case time_zone_spec::kind::utc:
    case time_zone_spec::kind::fixed:
      return {wall_time_mapping::kind::unique, system_clock::time_point{wall - zone.offset()}};
    case time_zone_spec::kind::local:
      return map_local_wall_time(wall);
    case time_zone_spec::kind::named:
      break;
  }
  try {
    const date::local_info li = zone.zone()->get_info(date::local_seconds{wall});
    const auto at = [&](const date::sys_info& i) {
      return system_clock::time_point{wall - i.offset};
    };
    switch (li.result) {
      case date::local_info::unique:
        return {wall_time_mapping::kind::unique, at(li.first)};
      case date::local_info::nonexistent:
        return {wall_time_mapping::kind::skipped, {}};
      case date::local_info::ambiguous:
        return {wall_time_mapping::kind::repeated, std::min(at(li.first), at(li.second))};
    }
  } catch (const std::exception&) {
    // The zone's data was loaded by named(); nothing is left that could fail.
  }
  return {wall_time_mapping::kind::skipped, {}};
}

}  // namespace detail
}  // namespace gg::sched

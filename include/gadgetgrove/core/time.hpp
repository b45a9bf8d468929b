#pragma once
// UTC timestamps at microsecond precision: the clock, ISO 8601 formatting and parsing, and the
// civil-calendar arithmetic behind them. Everything here is locale-free, allocation-free (except
// the std::string overloads) and thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg {

using sys_us = std::chrono::sys_time<std::chrono::microseconds>;

/// The wall clock (CLOCK_REALTIME) truncated to microseconds.
sys_us now_us() noexcept;

/// A proleptic Gregorian date.
struct civil_date {
  std::int32_t year = 1970;
  std::uint32_t month = 1;  // 1..12
  std::uint32_t day = 1;    // 1..31
};

/// Days since 1970-01-01 of a valid civil date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int32_t y, std::uint32_t m, std::uint32_t d) noexcept {
  const std::int64_t yy = static_cast<std::int64_t>(y) - (m <= 2 ? 1 : 0);
  const std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const std::int64_t yoe = yy - era * 400;                                         // [0, 399]
  const std::int64_t mp = m > 2 ? m - 3 : m + 9;                                   // [0, 11]
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + doe - 719468;
}

/// The civil date of `days` since 1970-01-01 (Howard Hinnant's civil_from_days).
constexpr civil_date civil_from_days(std::int64_t days) noexcept {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  return civil_date{static_cast<std::int32_t>(yoe + era * 400 + (m <= 2 ? 1 : 0)),
                    static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(d)};
}

constexpr bool is_leap_year(std::int32_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr std::uint32_t days_in_month(std::int32_t y, std::uint32_t m) noexcept {
  constexpr std::uint8_t days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[(m - 1) % 12];
}

/// Length of "2026-11-26T15:19:11.123456Z".
inline constexpr std::size_t iso8601_us_size = 27;
/// Length of "2026-11-26T15:19:11.123Z".
inline constexpr std::size_t iso8601_ms_size = 24;
/// Length of "20261126T151911123456Z".
inline constexpr std::size_t compact_utc_size = 22;

/// Writes exactly iso8601_us_size bytes (no terminator) to `out`. Times outside years
/// 0000..9999 are clamped to that range so the width never changes.
void format_iso8601_us(sys_us t, char* out) noexcept;
std::string format_iso8601_us(sys_us t);

/// Writes exactly iso8601_ms_size bytes (no terminator): milliseconds, truncated.
void format_iso8601_ms(sys_us t, char* out) noexcept;

/// Writes exactly compact_utc_size bytes (no terminator); sorts like the time it names, so it
/// suits file names.
void format_compact_utc(sys_us t, char* out) noexcept;
std::string format_compact_utc(sys_us t);

/// Parses `YYYY-MM-DD`, or `YYYY-MM-DD[T| ]HH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM|±HH]` (a fraction
/// beyond microseconds is truncated; no offset means UTC; `t` and `z` may be lower case).
/// Out-of-range fields (month 13, 2023-02-29, hour 24, second 60) and any trailing byte give
/// nullopt. Never allocates.
std::optional<sys_us> parse_iso8601(std::string_view text) noexcept;

}  // namespace gg

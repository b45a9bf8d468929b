#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week) and the search for
// the next time one fires.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::sched {

/// A parsed cron expression with Vixie cron semantics: `*`, lists `a,b`, ranges `a-b`, steps
/// `*/n`, `a-b/n` and `a/n` (= a-max/n), month names JAN-DEC and day names SUN-SAT in any case,
/// day-of-week 0-7 with both 0 and 7 meaning Sunday, and the macros @hourly, @daily, @midnight,
/// @weekly, @monthly, @yearly and @annually. As in Vixie cron, when both day fields are
/// restricted a day matching either fires; a day field that starts with `*` (including `*/2`)
/// counts as unrestricted, and then both must match.
///
/// Daylight saving in the local zone or a named zone ("Europe/Berlin"): a wall time skipped by a
/// spring-forward transition does not fire that day; a wall time repeated by a fall-back
/// transition fires once, at its first occurrence (so `* * * * *` pauses while the repeated hour
/// replays). A zone whose transitions are not whole hours (Australia/Lord_Howe shifts by 30
/// minutes) follows the same rule.
///
/// An immutable value, safe to share between threads.
class cron_expr {
 public:
  /// Parses `text`; the error names the offending field and token.
  static gg::result<cron_expr> parse(std::string_view text);

  /// The first whole minute strictly after `t` that matches, with the fields read in `zone`.
  /// Empty when the expression can never match (`0 0 30 2 *`). Does not block; the search is
  /// bounded by one 400-year Gregorian cycle, over which every possible date repeats.
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point t, const time_zone_spec& zone) const;

  /// The text it was parsed from, trimmed.
  const std::string& text() const noexcept { return text_; }

 private:
  cron_expr() = default;

  bool day_matches(std::chrono::year_month_day ymd, std::chrono::weekday wd) const noexcept;
  bool can_match_any_day() const noexcept;

  std::uint64_t minutes_ = 0;  // bit n: minute n
  std::uint32_t hours_ = 0;    // bit n: hour n
  std::uint32_t days_ = 0;     // bit n: day-of-month n (1-31)
  std::uint16_t months_ = 0;   // bit n: month n (1-12)
  std::uint8_t weekdays_ = 0;  // bit n: weekday n (0 = Sunday)
  bool dom_star_ = false;
  bool dow_star_ = false;
  std::string text_;
};

}  // namespace gg::sched

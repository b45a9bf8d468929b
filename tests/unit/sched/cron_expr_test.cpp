#include <gadgetgrove/sched/cron_expr.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <catch2/catch.hpp>
#include <test_seed.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace {

using gg::sched::cron_expr;
using gg::sched::time_zone_spec;
using std::chrono::system_clock;
using namespace std::chrono_literals;

system_clock::time_point at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return system_clock::time_point{std::chrono::sys_days{std::chrono::year{y} / mo / d} +
                                  std::chrono::hours(h) + std::chrono::minutes(mi) +
                                  std::chrono::seconds(s)};
}

std::string show(std::optional<system_clock::time_point> t) {
  if (!t) return "never";
  const auto secs = std::chrono::floor<std::chrono::seconds>(*t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

std::optional<system_clock::time_point> next(const char* spec, system_clock::time_point after,
                                             const time_zone_spec& zone = time_zone_spec::utc()) {
  auto e = cron_expr::parse(spec);
  REQUIRE(e.has_value());
  return e->next_after(after, zone);
}

std::string parse_error(const char* spec) {
  auto e = cron_expr::parse(spec);
  if (e) return "(parsed)";
  CHECK(e.error().code == gg::errc::invalid_input);
  return e.error().message;
}

/// Sets TZ for the scope of a test and restores it after.
class scoped_tz {
 public:
  explicit scoped_tz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~scoped_tz() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  scoped_tz(const scoped_tz&) = delete;
  scoped_tz& operator=(const scoped_tz&) = delete;

 private:
  std::optional<std::string> old_;
};

struct next_case {
  const char* spec;
  system_clock::time_point after;
  std::optional<system_clock::time_point> expected;
};

void check_table(std::initializer_list<next_case> cases,
                 const time_zone_spec& zone = time_zone_spec::utc()) {
  for (const auto& c : cases) {
    INFO(c.spec << " after " << show(c.after) << " in " << zone.to_string());
    CHECK(show(next(c.spec, c.after, zone)) == show(c.expected));
  }
}

time_zone_spec zone(const char* name) {
  auto z = time_zone_spec::parse(name);
  REQUIRE(z.has_value());
  return *z;
}

/// The first `n` firings of `spec` after `after`, shown.
std::vector<std::string> firings(const char* spec, system_clock::time_point after,
                                 const time_zone_spec& z, int n) {
  auto e = cron_expr::parse(spec);
  REQUIRE(e.has_value());
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const auto t = e->next_after(after, z);
    out.push_back(show(t));
    if (!t) break;
    after = *t;
  }
  return out;
}

}  // namespace

TEST_CASE("the next firing is the first matching minute strictly after the given time",
          "[unit][sched]") {
  check_table({
      {"* * * * *", at(2024, 1, 1), at(2024, 1, 1, 0, 1)},
      {"* * * * *", at(2024, 1, 1, 0, 0, 30), at(2024, 1, 1, 0, 1)},
      {"* * * * *", at(2024, 12, 31, 23, 59, 59), at(2025, 1, 1)},
      {"30 10 * * *", at(2024, 5, 5, 10, 30), at(2024, 5, 6, 10, 30)},
      {"30 10 * * *", at(2024, 5, 5, 10, 29, 59), at(2024, 5, 5, 10, 30)},
      {"30 10 * * *", at(2024, 5, 5, 10, 30) + 1ms, at(2024, 5, 6, 10, 30)},
      {"0 0 * * *", at(2024, 2, 28, 23, 59), at(2024, 2, 29)},
  });
}

TEST_CASE("month ends and leap years are honoured", "[unit][sched]") {
  check_table({
      {"0 0 1 * *", at(2024, 1, 31, 12), at(2024, 2, 1)},
      {"0 0 31 * *", at(2024, 4, 1), at(2024, 5, 31)},
      {"0 12 30 * *", at(2024, 2, 1), at(2024, 3, 30, 12)},
      {"0 0 29 2 *", at(2023, 3, 1), at(2024, 2, 29)},
      {"0 0 29 2 *", at(2024, 3, 1), at(2028, 2, 29)},
      {"0 0 29 2 *", at(2096, 3, 1), at(2104, 2, 29)},  // 2100 is not a leap year
      {"59 23 31 12 *", at(2024, 12, 31, 23, 59), at(2025, 12, 31, 23, 59)},
      {"0 0 28-31 2 *", at(2023, 2, 28, 1), at(2024, 2, 28)},
  });
}

TEST_CASE("when both day fields are restricted a day matching either fires", "[unit][sched]") {
  check_table({
      // The 13th or any Friday.
      {"0 0 13 * 5", at(2024, 9, 1), at(2024, 9, 6)},
      {"0 0 13 * 5", at(2024, 9, 6), at(2024, 9, 13)},
      {"0 0 13 * 5", at(2024, 9, 13), at(2024, 9, 20)},
      // The 1st (a Thursday) comes before the next Monday.
      {"0 0 1 * 1", at(2024, 7, 29), at(2024, 8, 1)},
      // Mondays in February or the 30th, which February lacks: still fires on Mondays.
      {"0 0 30 2 1", at(2025, 1, 1), at(2025, 2, 3)},
  });
}

TEST_CASE("a day field starting with a star leaves the other day field in charge",
          "[unit][sched]") {
  check_table({
      {"0 0 * * 1", at(2024, 9, 1), at(2024, 9, 2)},
      {"0 0 13 * *", at(2024, 9, 14), at(2024, 10, 13)},
      // Vixie semantics: "*/2" counts as a star, so odd days that are also Mondays.
      {"0 0 */2 * 1", at(2024, 9, 1), at(2024, 9, 9)},
  });
}

TEST_CASE("steps, ranges and lists select the listed minutes and hours", "[unit][sched]") {
  check_table({
      {"*/15 * * * *", at(2024, 1, 1, 10, 7), at(2024, 1, 1, 10, 15)},
      {"*/15 * * * *", at(2024, 1, 1, 10, 45), at(2024, 1, 1, 11, 0)},
      {"1-30/5 * * * *", at(2024, 1, 1, 10, 1), at(2024, 1, 1, 10, 6)},
      {"1-30/5 * * * *", at(2024, 1, 1, 10, 26), at(2024, 1, 1, 11, 1)},
      {"5/20 * * * *", at(2024, 1, 1, 10, 45), at(2024, 1, 1, 11, 5)},
      {"0 */6 * * *", at(2024, 1, 1, 7), at(2024, 1, 1, 12)},
      {"10,20,40-41 * * * *", at(2024, 1, 1, 10, 20), at(2024, 1, 1, 10, 40)},
      {"10,20,40-41 * * * *", at(2024, 1, 1, 10, 40), at(2024, 1, 1, 10, 41)},
      {"10,20,40-41 * * * *", at(2024, 1, 1, 10, 41), at(2024, 1, 1, 11, 10)},
      {"0 9-17/4 * * *", at(2024, 1, 1, 13, 30), at(2024, 1, 1, 17)},
  });
}

TEST_CASE("month and day names work in any case, and 0 and 7 both mean Sunday", "[unit][sched]") {
  check_table({
      {"0 9 * JAN-MAR mon-fri", at(2024, 3, 29, 10), at(2025, 1, 1, 9)},
      {"0 0 1 jun,Dec *", at(2024, 7, 1), at(2024, 12, 1)},
      {"0 0 * * SUN", at(2024, 9, 2), at(2024, 9, 8)},
      {"0 0 * * 0", at(2024, 9, 2), at(2024, 9, 8)},
      {"0 0 * * 7", at(2024, 9, 2), at(2024, 9, 8)},
      {"0 0 * * 5-7", at(2024, 9, 2), at(2024, 9, 6)},
      {"0 0 * * 5-7", at(2024, 9, 7), at(2024, 9, 8)},
      {"0 0 * * Sat/1", at(2024, 9, 2), at(2024, 9, 7)},
  });
}

TEST_CASE("macros expand to their five-field schedules", "[unit][sched]") {
  check_table({
      {"@hourly", at(2024, 1, 1, 10), at(2024, 1, 1, 11)},
      {"@daily", at(2024, 2, 28, 5), at(2024, 2, 29)},
      {"@midnight", at(2024, 2, 28, 5), at(2024, 2, 29)},
      {"@weekly", at(2024, 9, 4), at(2024, 9, 8)},
      {"@monthly", at(2024, 2, 15), at(2024, 3, 1)},
      {"@yearly", at(2024, 6, 1), at(2025, 1, 1)},
      {"@ANNUALLY", at(2024, 6, 1), at(2025, 1, 1)},
  });
}

TEST_CASE("fixed offsets shift the wall clock the fields are read in", "[unit][sched]") {
  const auto ist = time_zone_spec::parse("+05:30");
  const auto pst = time_zone_spec::parse("-08:00");
  const auto est = time_zone_spec::parse("-05:00");
  REQUIRE(ist.has_value());
  REQUIRE(pst.has_value());
  REQUIRE(est.has_value());
  check_table({{"0 9 * * *", at(2024, 1, 1), at(2024, 1, 1, 3, 30)},
               {"0 0 1 * *", at(2024, 1, 31, 12), at(2024, 1, 31, 18, 30)}},
              *ist);
  check_table({{"0 9 * * *", at(2024, 1, 1), at(2024, 1, 1, 17)}}, *pst);
  // Monday 23:00 at -05:00 is Tuesday 04:00 UTC.
  check_table({{"0 23 * * 1", at(2024, 9, 2), at(2024, 9, 3, 4)}}, *est);
}

TEST_CASE("expressions that can never match have no next firing", "[unit][sched]") {
  check_table({
      {"0 0 30 2 *", at(2024, 1, 1), std::nullopt},
      {"0 0 31 2 *", at(2024, 1, 1), std::nullopt},
      {"0 0 31 4,6,9,11 *", at(2024, 1, 1), std::nullopt},
      {"0 0 30 2 */7", at(2024, 1, 1), std::nullopt},
  });
}

TEST_CASE("in the local zone a skipped wall time does not fire and a repeated one fires once",
          "[unit][sched]") {
  // US Eastern rules without tzdata: DST from the 2nd Sunday of March to the 1st of November.
  scoped_tz tz{"EST5EDT,M3.2.0,M11.1.0"};
  check_table(
      {
          {"30 2 * * *", at(2024, 3, 8, 17), at(2024, 3, 9, 7, 30)},
          // 2024-03-10 02:30 does not exist; the next 02:30 is on the 11th, in EDT.
          {"30 2 * * *", at(2024, 3, 9, 17), at(2024, 3, 11, 6, 30)},
          {"0 3 * * *", at(2024, 3, 10, 6), at(2024, 3, 10, 7)},
          // 2024-11-03 01:30 happens twice; only the first (EDT, 05:30 UTC) fires.
          {"30 1 * * *", at(2024, 11, 3, 4), at(2024, 11, 3, 5, 30)},
          {"30 1 * * *", at(2024, 11, 3, 5, 30), at(2024, 11, 4, 6, 30)},
          {"*/30 * * * *", at(2024, 11, 3, 5, 45), at(2024, 11, 3, 7)},
      },
      time_zone_spec::local());
}

TEST_CASE("in Europe/Berlin the wall time skipped on 2026-03-29 does not fire that day",
          "[unit][sched]") {
  // At 01:00 UTC the wall clock jumps from 02:00 CET (+01) to 03:00 CEST (+02).
  check_table(
      {
          {"30 2 * * *", at(2026, 3, 27, 12), at(2026, 3, 28, 1, 30)},
          {"30 2 * * *", at(2026, 3, 28, 12), at(2026, 3, 30, 0, 30)},
          {"0 3 * * *", at(2026, 3, 28, 12), at(2026, 3, 29, 1)},
          {"59 1 * * *", at(2026, 3, 28, 12), at(2026, 3, 29, 0, 59)},
          // Every minute: 01:59 CET is followed by 03:00 CEST, one real minute later.
          {"* * * * *", at(2026, 3, 29, 0, 59), at(2026, 3, 29, 1)},
          {"*/15 * * * *", at(2026, 3, 29, 0, 45), at(2026, 3, 29, 1)},
      },
      zone("Europe/Berlin"));
}

TEST_CASE(
    "in Europe/Berlin the wall time repeated on 2026-10-25 fires once, at its first "
    "occurrence",
    "[unit][sched]") {
  // At 01:00 UTC the wall clock goes back from 03:00 CEST (+02) to 02:00 CET (+01).
  const auto berlin = zone("Europe/Berlin");
  check_table(
      {
          {"30 2 * * *", at(2026, 10, 24, 12), at(2026, 10, 25, 0, 30)},
          {"30 2 * * *", at(2026, 10, 25, 0, 30), at(2026, 10, 26, 1, 30)},
          // From inside the second pass of 02:00-02:59, the next quarter hour is 03:00 CET.
          {"*/15 * * * *", at(2026, 10, 25, 1, 10), at(2026, 10, 25, 2)},
      },
      berlin);
  CHECK(firings("*/15 * * * *", at(2026, 10, 24, 23, 50), berlin, 7) ==
        std::vector<std::string>{"2026-10-25 00:00:00", "2026-10-25 00:15:00",
                                 "2026-10-25 00:30:00", "2026-10-25 00:45:00",
                                 "2026-10-25 02:00:00", "2026-10-25 02:15:00",
                                 "2026-10-25 02:30:00"});
  CHECK(firings("0 * * * *", at(2026, 10, 24, 22, 30), berlin, 4) ==
        std::vector<std::string>{"2026-10-24 23:00:00", "2026-10-25 00:00:00",
                                 "2026-10-25 02:00:00", "2026-10-25 03:00:00"});
}

TEST_CASE("in America/New_York cron fields follow EST and EDT across both transitions",
          "[unit][sched]") {
  const auto new_york = zone("America/New_York");
  check_table(
      {
          // Weekdays at 09:00: 14:00 UTC in winter, 13:00 UTC in summer.
          {"0 9 * * 1-5", at(2026, 1, 9, 15), at(2026, 1, 12, 14)},
          {"0 9 * * 1-5", at(2026, 7, 3, 12), at(2026, 7, 3, 13)},
          {"0 9 * * 1-5", at(2026, 7, 3, 13), at(2026, 7, 6, 13)},
          // 2026-03-08 02:30 does not exist (02:00 EST -> 03:00 EDT at 07:00 UTC).
          {"30 2 * * *", at(2026, 3, 6, 12), at(2026, 3, 7, 7, 30)},
          {"30 2 * * *", at(2026, 3, 7, 12), at(2026, 3, 9, 6, 30)},
          // 2026-11-01 01:30 happens twice; only the first (EDT, 05:30 UTC) fires.
          {"30 1 * * *", at(2026, 11, 1, 0), at(2026, 11, 1, 5, 30)},
          {"30 1 * * *", at(2026, 11, 1, 5, 30), at(2026, 11, 2, 6, 30)},
          {"*/30 * * * *", at(2026, 11, 1, 5, 45), at(2026, 11, 1, 7)},
      },
      new_york);
}

TEST_CASE("a 30-minute daylight-saving shift (Australia/Lord_Howe) follows the same rules",
          "[unit][sched]") {
  const auto lord_howe = zone("Australia/Lord_Howe");
  // 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11) at 15:30 UTC the day before.
  check_table(
      {
          {"15 2 * * *", at(2026, 10, 3, 0), at(2026, 10, 4, 15, 15)},
          {"45 2 * * *", at(2026, 10, 3, 0), at(2026, 10, 3, 15, 45)},
          {"45 2 * * *", at(2026, 10, 1, 0), at(2026, 10, 1, 16, 15)},
      },
      lord_howe);
  CHECK(firings("*/10 * * * *", at(2026, 10, 3, 15, 15), lord_howe, 3) ==
        std::vector<std::string>{"2026-10-03 15:20:00", "2026-10-03 15:30:00",
                                 "2026-10-03 15:40:00"});
  // 2026-04-05: 02:00 (+11) goes back to 01:30 (+10:30) at 15:00 UTC the day before.
  check_table(
      {
          {"45 1 * * *", at(2026, 4, 4, 12), at(2026, 4, 4, 14, 45)},
          {"45 1 * * *", at(2026, 4, 4, 14, 45), at(2026, 4, 5, 15, 15)},
      },
      lord_howe);
  CHECK(firings("*/15 * * * *", at(2026, 4, 4, 14, 20), lord_howe, 4) ==
        std::vector<std::string>{"2026-04-04 14:30:00", "2026-04-04 14:45:00",
                                 "2026-04-04 15:30:00", "2026-04-04 15:45:00"});
}

TEST_CASE("@daily fires at local midnight across DST, and not on a day whose midnight is skipped",
          "[unit][sched]") {
  const auto berlin = zone("Europe/Berlin");
  CHECK(firings("@daily", at(2026, 3, 27, 12), berlin, 4) ==
        std::vector<std::string>{"2026-03-27 23:00:00", "2026-03-28 23:00:00",
                                 "2026-03-29 22:00:00", "2026-03-30 22:00:00"});
  CHECK(firings("@daily", at(2026, 10, 23, 12), berlin, 3) ==
        std::vector<std::string>{"2026-10-23 22:00:00", "2026-10-24 22:00:00",
                                 "2026-10-25 23:00:00"});
  // America/Santiago moves 2026-09-06 00:00 (-04) to 01:00 (-03): no midnight that day. On
  // 2026-04-04 it repeats 23:00-23:59, and the next midnight still fires once.
  const auto santiago = zone("America/Santiago");
  CHECK(firings("@daily", at(2026, 9, 4, 12), santiago, 3) ==
        std::vector<std::string>{"2026-09-05 04:00:00", "2026-09-07 03:00:00",
                                 "2026-09-08 03:00:00"});
  CHECK(firings("@daily", at(2026, 4, 3, 12), santiago, 2) ==
        std::vector<std::string>{"2026-04-04 03:00:00", "2026-04-05 04:00:00"});
}

TEST_CASE("outside DST a named zone agrees with its fixed offset", "[unit][sched]") {
  struct window {
    const char* name;
    const char* offset;
    system_clock::time_point from;
    system_clock::time_point to;  // no transition before this plus a day
  };
  const window windows[] = {
      {"Europe/Berlin", "+01:00", at(2026, 11, 1), at(2027, 3, 20)},
      {"Europe/Berlin", "+02:00", at(2026, 4, 5), at(2026, 10, 18)},
      {"America/New_York", "-05:00", at(2026, 11, 8), at(2027, 3, 7)},
      {"Australia/Lord_Howe", "+10:30", at(2026, 4, 12), at(2026, 9, 27)},
      {"Asia/Kolkata", "+05:30", at(2026, 1, 1), at(2027, 12, 1)},
  };
  const char* specs[] = {"* * * * *",   "*/7 * * * *", "30 2 * * *", "0 0 * * *", "15 10 * * 1-5",
                         "0 */3 * * *", "59 23 * * *", "0 12 1 * *", "@weekly",   "5 4 * * sun"};
  const auto seed = gg::test::test_seed("named zone agrees with offset");
  gg::prng rng(seed);
  for (const auto& w : windows) {
    const auto named = zone(w.name);
    const auto fixed = zone(w.offset);
    const auto span = std::chrono::duration_cast<std::chrono::seconds>(w.to - w.from).count();
    for (int i = 0; i < 200; ++i) {
      const auto t = w.from + std::chrono::seconds(rng.between(0, span));
      for (const char* spec : specs) {
        auto e = cron_expr::parse(spec);
        REQUIRE(e.has_value());
        const auto want = e->next_after(t, fixed);
        REQUIRE(want.has_value());
        if (*want > w.to) continue;
        INFO(spec << " after " << show(t) << " in " << w.name << " vs " << w.offset);
        REQUIRE(show(e->next_after(t, named)) == show(want));
      }
    }
  }
}

TEST_CASE("valid expressions with odd spacing parse", "[unit][sched]") {
  for (const char* spec : {"  */5\t* *  * *  ", "0 0 1-31/10 * *", "59 23 31 DEC SAT",
                           "0 0 * * 0-7", "0-59/59 0-23/23 1 1 *", "@Daily"}) {
    INFO(spec);
    auto e = cron_expr::parse(spec);
    REQUIRE(e.has_value());
    CHECK(e->next_after(at(2024, 1, 1), time_zone_spec::utc()).has_value());
  }
  auto e = cron_expr::parse("  */5 * * * *  ");
  REQUIRE(e.has_value());
  CHECK(e->text() == "*/5 * * * *");
}

TEST_CASE("invalid expressions are rejected with an error naming the field", "[unit][sched]") {
  using Catch::Matchers::Contains;
  CHECK_THAT(parse_error(""), Contains("empty"));
  CHECK_THAT(parse_error("* * * *"), Contains("expected 5 fields") && Contains("found 4"));
  CHECK_THAT(parse_error("* * * * * *"), Contains("found 6"));
  CHECK_THAT(parse_error("60 * * * *"), Contains("minute field \"60\"") && Contains("0-59"));
  CHECK_THAT(parse_error("* 24 * * *"), Contains("hour field") && Contains("0-23"));
  CHECK_THAT(parse_error("* * 0 * *"), Contains("day-of-month field") && Contains("1-31"));
  CHECK_THAT(parse_error("* * 32 * *"), Contains("day-of-month field"));
  CHECK_THAT(parse_error("* * * 13 *"), Contains("month field") && Contains("1-12"));
  CHECK_THAT(parse_error("* * * * 8"), Contains("day-of-week field") && Contains("0-7"));
  CHECK_THAT(parse_error("*/0 * * * *"), Contains("minute field") && Contains("step"));
  CHECK_THAT(parse_error("*/ * * * *"), Contains("step"));
  CHECK_THAT(parse_error("* */61 * * *"), Contains("hour field") && Contains("step"));
  CHECK_THAT(parse_error("30-10 * * * *"), Contains("reversed"));
  CHECK_THAT(parse_error("a * * * *"), Contains("minute field") && Contains("not a number"));
  CHECK_THAT(parse_error("JAN * * * *"), Contains("minute field"));
  CHECK_THAT(parse_error("* * * FOO *"), Contains("month field") && Contains("\"FOO\""));
  CHECK_THAT(parse_error("* * * MON *"), Contains("month field"));
  CHECK_THAT(parse_error("* * * * JAN"), Contains("day-of-week field"));
  CHECK_THAT(parse_error("* * * * MON-"), Contains("day-of-week field") && Contains("missing"));
  CHECK_THAT(parse_error("1,,2 * * * *"), Contains("empty list element"));
  CHECK_THAT(parse_error("1, * * * *"), Contains("empty list element"));
  CHECK_THAT(parse_error("-5 * * * *"), Contains("minute field"));
  CHECK_THAT(parse_error("99999 * * * *"), Contains("minute field"));
  CHECK_THAT(parse_error("@reboot"), Contains("unknown cron macro"));
  CHECK_THAT(parse_error("@hourly 5"), Contains("unknown cron macro"));
}

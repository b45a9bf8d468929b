#include <gadgetgrove/sched/cron_expr.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

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

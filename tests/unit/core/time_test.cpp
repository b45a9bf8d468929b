#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;

gg::sys_us at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0, int us = 0) {
  const auto day =
      std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
  return gg::sys_us{day} + std::chrono::hours{hh} + std::chrono::minutes{mm} +
         std::chrono::seconds{ss} + microseconds{us};
}

gg::sys_us parsed(std::string_view text) {
  const auto t = gg::parse_iso8601(text);
  INFO(text);
  REQUIRE(t.has_value());
  return *t;
}

}  // namespace

TEST_CASE("civil date arithmetic matches std::chrono over a wide range", "[unit][core]") {
  for (std::int64_t days = -800000; days <= 3000000; days += 97) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
    const gg::civil_date c = gg::civil_from_days(days);
    REQUIRE(c.year == static_cast<int>(ymd.year()));
    REQUIRE(c.month == static_cast<unsigned>(ymd.month()));
    REQUIRE(c.day == static_cast<unsigned>(ymd.day()));
    REQUIRE(gg::days_from_civil(c.year, c.month, c.day) == days);
  }
  static_assert(gg::days_from_civil(1970, 1, 1) == 0);
  static_assert(gg::days_from_civil(2000, 3, 1) == 11017);
}

TEST_CASE("iso8601 formatting is fixed-width UTC with microseconds", "[unit][core]") {
  CHECK(gg::format_iso8601_us(at(2026, 11, 26, 15, 19, 11, 123456)) ==
        "2026-11-26T15:19:11.123456Z");
  CHECK(gg::format_iso8601_us(gg::sys_us{}) == "1970-01-01T00:00:00.000000Z");
  CHECK(gg::format_iso8601_us(at(2024, 2, 29, 23, 59, 59, 999999)) ==
        "2024-02-29T23:59:59.999999Z");
  CHECK(gg::format_iso8601_us(at(9999, 12, 31, 23, 59, 59, 999999)) ==
        "9999-12-31T23:59:59.999999Z");
  CHECK(gg::format_iso8601_us(gg::sys_us{} - 1us) == "1969-12-31T23:59:59.999999Z");
  CHECK(gg::format_iso8601_us(at(1, 1, 1)) == "0001-01-01T00:00:00.000000Z");

  char buf[gg::iso8601_us_size];
  gg::format_iso8601_us(at(2026, 1, 2, 3, 4, 5, 6), buf);
  CHECK(std::string_view(buf, sizeof buf) == "2026-01-02T03:04:05.000006Z");
  char ms[gg::iso8601_ms_size];
  gg::format_iso8601_ms(at(2026, 1, 2, 3, 4, 5, 987654), ms);
  CHECK(std::string_view(ms, sizeof ms) == "2026-01-02T03:04:05.987Z");
}

TEST_CASE("iso8601 formatting clamps times beyond four-digit years", "[unit][core]") {
  CHECK(gg::format_iso8601_us(at(10000, 1, 1)) == "9999-12-31T23:59:59.999999Z");
  CHECK(gg::format_iso8601_us(at(-5, 1, 1)) == "0000-01-01T00:00:00.000000Z");
  CHECK(gg::format_iso8601_us(gg::sys_us::max()).size() == gg::iso8601_us_size);
  CHECK(gg::format_iso8601_us(gg::sys_us::min()).size() == gg::iso8601_us_size);
}

TEST_CASE("compact UTC names sort like the times they name", "[unit][core]") {
  CHECK(gg::format_compact_utc(at(2026, 11, 26, 15, 19, 11, 123456)) == "20261126T151911123456Z");
  CHECK(gg::format_compact_utc(gg::sys_us{}) == "19700101T000000000000Z");
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const gg::sys_us a{microseconds{static_cast<std::int64_t>(rng() % 4'000'000'000'000'000ULL)}};
    const gg::sys_us b{microseconds{static_cast<std::int64_t>(rng() % 4'000'000'000'000'000ULL)}};
    REQUIRE((a < b) == (gg::format_compact_utc(a) < gg::format_compact_utc(b)));
  }
}

TEST_CASE("formatting agrees with gmtime and parses back", "[unit][core]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t us = static_cast<std::int64_t>(rng() % 253'402'300'800'000'000ULL) -
                            62'135'596'800'000'000LL;  // years 0001..9999
    const gg::sys_us t{microseconds{us}};
    const std::string text = gg::format_iso8601_us(t);
    std::time_t secs =
        static_cast<std::time_t>(us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char expect[64];
    std::snprintf(expect, sizeof expect, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(us - static_cast<std::int64_t>(secs) * 1'000'000));
    REQUIRE(text == expect);
    REQUIRE(gg::parse_iso8601(text) == t);
  }
}

TEST_CASE("iso8601 parsing accepts fractions of one to nine digits", "[unit][core]") {
  const gg::sys_us base = at(2026, 11, 26, 15, 19, 11);
  CHECK(parsed("2026-11-26T15:19:11Z") == base);
  CHECK(parsed("2026-11-26T15:19:11.1Z") == base + 100000us);
  CHECK(parsed("2026-11-26T15:19:11.12Z") == base + 120000us);
  CHECK(parsed("2026-11-26T15:19:11.123Z") == base + 123000us);
  CHECK(parsed("2026-11-26T15:19:11.1234Z") == base + 123400us);
  CHECK(parsed("2026-11-26T15:19:11.12345Z") == base + 123450us);
  CHECK(parsed("2026-11-26T15:19:11.123456Z") == base + 123456us);
  CHECK(parsed("2026-11-26T15:19:11.1234567Z") == base + 123456us);
  CHECK(parsed("2026-11-26T15:19:11.12345678Z") == base + 123456us);
  CHECK(parsed("2026-11-26T15:19:11.123456789Z") == base + 123456us);
  CHECK(parsed("2026-11-26T15:19:11.999999999Z") == base + 999999us);
  CHECK(parsed("2026-11-26T15:19:11.000000Z") == base);
}

TEST_CASE("iso8601 parsing applies offsets in every accepted form", "[unit][core]") {
  const gg::sys_us utc = at(2026, 11, 26, 15, 19, 11);
  CHECK(parsed("2026-11-26T17:19:11+02:00") == utc);
  CHECK(parsed("2026-11-26T17:19:11+0200") == utc);
  CHECK(parsed("2026-11-26T17:19:11+02") == utc);
  CHECK(parsed("2026-11-26T10:04:11-05:15") == utc);
  CHECK(parsed("2026-11-26T10:04:11-0515") == utc);
  CHECK(parsed("2026-11-26T15:19:11+00:00") == utc);
  CHECK(parsed("2026-11-26T15:19:11-00:00") == utc);
  CHECK(parsed("2026-11-27T05:49:11.5+14:30") == utc + 500000us);
  CHECK(parsed("2026-11-26T15:19:11z") == utc);
  CHECK(parsed("2026-11-26t15:19:11Z") == utc);
  CHECK(parsed("2026-11-26 15:19:11Z") == utc);
  CHECK(parsed("2026-11-26 15:19:11") == utc);
  CHECK(parsed("2026-11-26T15:19:11.000+00") == utc);
  // An offset may carry the instant across a day, month or year boundary.
  CHECK(parsed("2027-01-01T01:00:00+02:00") == at(2026, 12, 31, 23));
}

TEST_CASE("iso8601 parsing accepts a bare date as UTC midnight", "[unit][core]") {
  CHECK(parsed("1970-01-01") == gg::sys_us{});
  CHECK(parsed("2024-02-29") == at(2024, 2, 29));
  CHECK(parsed("9999-12-31") == at(9999, 12, 31));
  CHECK(parsed("0000-01-01") == at(0, 1, 1));
}

TEST_CASE("iso8601 parsing checks calendar and clock ranges", "[unit][core]") {
  CHECK(parsed("2024-02-29T12:00:00Z") == at(2024, 2, 29, 12));
  CHECK(parsed("2000-02-29T00:00:00Z") == at(2000, 2, 29));
  CHECK(parsed("1970-01-01T00:00:00Z") == gg::sys_us{});
  CHECK(parsed("9999-12-31T23:59:59.999999Z") == at(9999, 12, 31, 23, 59, 59, 999999));
  CHECK(parsed("1969-12-31T23:59:59.5Z") == gg::sys_us{} - 500000us);

  const char* const bad[] = {
      "2023-02-29T00:00:00Z",      "1900-02-29",
      "2026-13-01T00:00:00Z",      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",      "2026-01-32T00:00:00Z",
      "2026-04-31T00:00:00Z",      "2026-02-30",
      "2026-11-26T25:00:00Z",      "2026-11-26T24:00:00Z",
      "2026-11-26T23:60:00Z",      "2026-11-26T23:59:60Z",
      "2026-11-26T15:19:11+24:00", "2026-11-26T15:19:11+02:60",
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(gg::parse_iso8601(text).has_value());
  }
}

TEST_CASE("iso8601 parsing rejects malformed text and trailing garbage", "[unit][core]") {
  const char* const bad[] = {
      "",
      "2026",
      "2026-11",
      "2026-11-2",
      "26-11-26",
      "2026/11/26",
      "2026-11-26T",
      "2026-11-26T15:19",
      "2026-11-26T15:19:1Z",
      "2026-11-26T15:19:11.Z",
      "2026-11-26T15:19:11.1234567890Z",
      "2026-11-26T15:19:11ZZ",
      "2026-11-26T15:19:11Z ",
      " 2026-11-26T15:19:11Z",
      "2026-11-26T15:19:11+2",
      "2026-11-26T15:19:11+02:0",
      "2026-11-26T15:19:11+02:00x",
      "2026-11-26T15:19:11+020",
      "2026-11-26T15:19:11+",
      "2026-11-26X15:19:11Z",
      "2026-11-26T15-19-11Z",
      "2026-11-26T15:19:11 UTC",
      "2026-11-26Z",
      "2026-11-26 ",
      "+2026-11-26",
      "2026-1a-26",
      "2026-11-26T15:19:11,5Z",
      "not a time at all",
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(gg::parse_iso8601(text).has_value());
  }
  CHECK_FALSE(gg::parse_iso8601(std::string_view("2026-11-26\0", 11)).has_value());
}

TEST_CASE("now_us follows the system clock", "[unit][core]") {
  const auto a = std::chrono::system_clock::now();
  const gg::sys_us n = gg::now_us();
  const auto b = std::chrono::system_clock::now();
  CHECK(n >= std::chrono::floor<microseconds>(a));
  CHECK(n <= std::chrono::ceil<microseconds>(b));
}

#include "dashboard_query.hpp"

#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using gg::dashboard::parse_dashboard_query;
using gg::dashboard::parse_day;

constexpr std::int64_t day(int y, unsigned m, unsigned d) { return gg::days_from_civil(y, m, d); }

const std::int64_t today = day(2026, 12, 5);

// The error message of a rejected query (fails the test when it is accepted).
std::string rejection(std::string_view query) {
  auto q = parse_dashboard_query(query, today);
  INFO(query);
  REQUIRE_FALSE(q.has_value());
  CHECK(q.error().code == gg::errc::invalid_input);
  return q.error().message;
}

}  // namespace

TEST_CASE("without dates the range is the last 30 days ending today, and the previous 30 before",
          "[unit][dashboard]") {
  auto q = parse_dashboard_query("", today);
  REQUIRE(q.has_value());
  CHECK(q->range.end == today);
  CHECK(q->range.start == day(2026, 11, 6));
  CHECK(q->range.days() == 30);
  CHECK(q->previous.end == day(2026, 11, 5));
  CHECK(q->previous.start == day(2026, 10, 7));
  CHECK_FALSE(q->filters.any());
}

TEST_CASE("dates and filters are read, percent-decoded, and empty values are absent",
          "[unit][dashboard]") {
  auto q = parse_dashboard_query(
      "start=2024-02-28&end=2024-03-01&page=%2Fp%2Fp1&source=news+letter&product=&outcome=bounce",
      today);
  REQUIRE(q.has_value());
  CHECK(q->range.start == day(2024, 2, 28));
  CHECK(q->range.end == day(2024, 3, 1));
  CHECK(q->range.days() == 3);  // a leap year
  CHECK(q->previous.start == day(2024, 2, 25));
  CHECK(q->previous.end == day(2024, 2, 27));
  CHECK(q->filters.page == "/p/p1");
  CHECK(q->filters.source == "news letter");
  CHECK_FALSE(q->filters.product);
  CHECK(q->filters.outcome == "bounce");
  // Only an end: the 30 days up to it. Only a start: up to today.
  auto only_end = parse_dashboard_query("end=2026-01-30", today);
  REQUIRE(only_end.has_value());
  CHECK(only_end->range.start == day(2026, 1, 1));
  auto only_start = parse_dashboard_query("start=2026-12-01", today);
  REQUIRE(only_start.has_value());
  CHECK(only_start->range.end == today);
  // A value of any UTF-8, quotes and SQL included, is data.
  auto quoted = parse_dashboard_query("category=%27%3B%20drop%20table%20x%3B%20--%20%C3%A9", today);
  REQUIRE(quoted.has_value());
  CHECK(quoted->filters.category == "'; drop table x; -- \xC3\xA9");
}

TEST_CASE("a range of exactly 1096 days is accepted, one more day is not", "[unit][dashboard]") {
  auto q = parse_dashboard_query("start=2023-01-01&end=2025-12-31", today);
  REQUIRE(q.has_value());
  CHECK(q->range.days() == 1096);
  CHECK(rejection("start=2023-01-01&end=2026-01-01").find("1097 days") != std::string::npos);
  // The same limit applies with a default end.
  CHECK(rejection("start=2020-01-01").find("days") != std::string::npos);
}

TEST_CASE("bad dates are rejected with the key named", "[unit][dashboard]") {
  for (const char* query :
       {"start=2026-13-01", "start=2026-02-30", "start=2026-1-01", "start=20261101",
        "start=2026-11-01T00:00:00Z", "end=yesterday", "start=1899-12-31", "start=2026-11-01%00",
        "start=2026-11-01'%20or%201=1--", "end=%2B2026-11-01"}) {
    INFO(query);
    const auto why = rejection(query);
    const bool names_key =
        why.find("start") != std::string::npos || why.find("end") != std::string::npos;
    CHECK(names_key);
  }
  CHECK(rejection("start=2026-11-09&end=2026-11-08").find("before start") != std::string::npos);
}

TEST_CASE("unknown and repeated keys are rejected", "[unit][dashboard]") {
  CHECK(rejection("foo=1").find("unknown query key 'foo'") != std::string::npos);
  CHECK(rejection("Start=2026-11-01").find("unknown") != std::string::npos);
  CHECK(rejection("product=p1&product=p2").find("more than once") != std::string::npos);
  CHECK(rejection("start=2026-11-01&start=2026-11-01").find("more than once") != std::string::npos);
  // An overlong hostile key is quoted shortened.
  const auto why = rejection(std::string(5000, 'k') + "=1");
  CHECK(why.size() < 200);
}

TEST_CASE("hostile filter values are rejected before any SQL: NUL, invalid UTF-8, overlong",
          "[unit][dashboard]") {
  CHECK(rejection("page=%2Fa%00b").find("NUL") != std::string::npos);
  CHECK(rejection("source=%FF").find("not UTF-8") != std::string::npos);
  CHECK(rejection("source=%C0%AF").find("not UTF-8") != std::string::npos);       // overlong '/'
  CHECK(rejection("category=%ED%A0%80").find("not UTF-8") != std::string::npos);  // a surrogate
  CHECK(rejection("product=" + std::string(201, 'a')).find("longer than 200") != std::string::npos);
  // 200 bytes is the limit, counted after decoding.
  CHECK(parse_dashboard_query("product=" + std::string(200, 'a'), today).has_value());
  CHECK(rejection("product=" + std::string(67, 'x') + std::string("%C3%A9%C3%A9%C3%A9") +
                  std::string(128, 'y'))
            .find("longer") != std::string::npos);
  CHECK(rejection("outcome=refund").find("outcome") != std::string::npos);
  CHECK(rejection("outcome=Purchase").find("outcome") != std::string::npos);
}

TEST_CASE("days format and parse as YYYY-MM-DD", "[unit][dashboard]") {
  CHECK(gg::dashboard::format_day(day(2026, 11, 2)) == "2026-11-02");
  CHECK(gg::dashboard::format_day(0) == "1970-01-01");
  CHECK(parse_day("2024-02-29") == day(2024, 2, 29));
  CHECK_FALSE(parse_day("2023-02-29"));
  CHECK_FALSE(parse_day("2024-02-29 "));
}

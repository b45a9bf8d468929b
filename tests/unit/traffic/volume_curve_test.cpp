#include "volume_curve.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <chrono>

using namespace gg::traffic;

namespace {

// 2026-11-26 is a Thursday.
const gg::sys_us end = *gg::parse_iso8601("2026-11-26T15:42:10Z");

}  // namespace

TEST_CASE("weekday and hour of a time are read in UTC", "[unit][traffic]") {
  CHECK(weekday_of(*gg::parse_iso8601("2026-11-23T00:00:00Z")) == 0);  // Monday
  CHECK(weekday_of(*gg::parse_iso8601("2026-11-29T23:59:59Z")) == 6);  // Sunday
  CHECK(weekday_of(*gg::parse_iso8601("1969-12-31T12:00:00Z")) == 2);  // Wednesday
  CHECK(hour_of(*gg::parse_iso8601("2026-11-26T15:42:10Z")) == 15);
  CHECK(hour_of(*gg::parse_iso8601("1969-12-31T23:30:00Z")) == 23);
}

TEST_CASE("backfill start times are spread over the requested days, in order", "[unit][traffic]") {
  const backfill_schedule s(volume_curve{}, 14, 50'000, end, 1);
  CHECK(s.end_time() == *gg::parse_iso8601("2026-11-26T15:00:00Z"));
  CHECK(s.end_time() - s.begin_time() == std::chrono::hours(14 * 24));
  std::array<int, 14> per_day{};
  gg::sys_us last = s.begin_time();
  for (std::uint64_t i = 0; i < s.size(); ++i) {
    const auto t = s.at(i);
    REQUIRE(t >= last);
    REQUIRE(t >= s.begin_time());
    REQUIRE(t < s.end_time());
    last = t;
    ++per_day[static_cast<std::size_t>((t - s.begin_time()) / std::chrono::hours(24))];
  }
  for (int n : per_day) CHECK(n > 1500);
}

TEST_CASE("backfill volume follows the hour-of-day and weekday curves", "[unit][traffic]") {
  const volume_curve curve;
  const std::uint64_t n = 200'000;
  const backfill_schedule s(curve, 28, n, end, 7);
  std::array<double, 24> by_hour{};
  std::array<double, 7> by_weekday{};
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto t = s.at(i);
    by_hour[hour_of(t)] += 1;
    by_weekday[weekday_of(t)] += 1;
  }
  double hour_total = 0, weekday_total = 0;
  for (double w : curve.hour) hour_total += w;
  for (double w : curve.weekday) weekday_total += w;
  for (std::size_t h = 0; h < 24; ++h) {
    CHECK(by_hour[h] / n == Approx(curve.hour[h] / hour_total).epsilon(0.1));
  }
  // 28 days = four of each weekday; the daily noise (8%) averages over four weeks.
  for (std::size_t d = 0; d < 7; ++d) {
    CHECK(by_weekday[d] / n == Approx(curve.weekday[d] / weekday_total).epsilon(0.08));
  }
  // The evening peak beats the night trough many times over; weekdays beat Saturday.
  CHECK(by_hour[20] > 8 * by_hour[4]);
  CHECK(by_weekday[2] > 1.25 * by_weekday[5]);
}

TEST_CASE("the same seed gives the same backfill, another seed another", "[unit][traffic]") {
  const backfill_schedule a(volume_curve{}, 7, 1000, end, 3), b(volume_curve{}, 7, 1000, end, 3),
      c(volume_curve{}, 7, 1000, end, 4);
  bool differs = false;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    CHECK(a.at(i) == b.at(i));
    differs = differs || a.at(i) != c.at(i);
  }
  CHECK(differs);
}

#include <gadgetgrove/flows/flow.hpp>

#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace {

using gg::flows::schedule;
using std::chrono::system_clock;
using namespace std::chrono_literals;

system_clock::time_point at(const char* iso) {
  auto t = gg::parse_iso8601(iso);
  REQUIRE(t.has_value());
  return system_clock::time_point(*t);
}

std::string iso(system_clock::time_point t) {
  return gg::format_iso8601_us(std::chrono::floor<std::chrono::microseconds>(t));
}

}  // namespace

TEST_CASE("interval fire times are multiples of the interval since the epoch", "[unit][flows]") {
  const auto every = schedule::every(60s);
  CHECK(iso(*every.next_after(at("2026-12-04T20:51:41.5Z"))) == "2026-12-04T20:52:00.000000Z");
  // Strictly after: a time on a fire time gets the next one.
  CHECK(iso(*every.next_after(at("2026-12-04T20:52:00Z"))) == "2026-12-04T20:53:00.000000Z");
  CHECK(iso(*every.last_at_or_before(at("2026-12-04T20:52:00Z"))) == "2026-12-04T20:52:00.000000Z");
  CHECK(iso(*every.last_at_or_before(at("2026-12-04T20:52:59.999Z"))) ==
        "2026-12-04T20:52:00.000000Z");

  // Two processes with different start times agree on the key of every fire time.
  const auto seven = schedule::every(7s);
  const auto a = seven.next_after(at("2026-12-04T20:00:00.001Z"));
  REQUIRE(a);
  const auto b = seven.next_after(*a - 6s);
  const auto c = seven.next_after(*a - 1ms);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*b == *a);
  CHECK(*c == *a);
  CHECK(a->time_since_epoch() % 7s == system_clock::duration::zero());

  // Before the epoch too (floor, not truncation).
  const auto before = schedule::every(10s).next_after(system_clock::time_point(-15s));
  REQUIRE(before);
  CHECK(before->time_since_epoch() == -10s);
}

TEST_CASE("cron fire times follow the expression in its zone", "[unit][flows]") {
  auto expr = gg::sched::cron_expr::parse("*/15 * * * *");
  REQUIRE(expr.has_value());
  const auto utc = schedule::on_cron(*expr, gg::sched::time_zone_spec::utc());
  CHECK(iso(*utc.next_after(at("2026-12-04T20:51:41Z"))) == "2026-12-04T21:00:00.000000Z");
  CHECK(iso(*utc.last_at_or_before(at("2026-12-04T20:51:41Z"))) == "2026-12-04T20:45:00.000000Z");
  CHECK(iso(*utc.last_at_or_before(at("2026-12-04T20:45:00Z"))) == "2026-12-04T20:45:00.000000Z");

  auto daily = gg::sched::cron_expr::parse("30 2 * * *");
  REQUIRE(daily.has_value());
  auto plus2 = gg::sched::time_zone_spec::parse("+02:00");
  REQUIRE(plus2.has_value());
  const auto zoned = schedule::on_cron(*daily, *plus2);
  // 02:30 at +02:00 is 00:30 UTC.
  CHECK(iso(*zoned.next_after(at("2026-12-04T20:51:41Z"))) == "2026-12-05T00:30:00.000000Z");
  CHECK(iso(*zoned.last_at_or_before(at("2026-12-04T20:51:41Z"))) == "2026-12-04T00:30:00.000000Z");

  auto never = gg::sched::cron_expr::parse("0 0 30 2 *");
  REQUIRE(never.has_value());
  const auto impossible = schedule::on_cron(*never, gg::sched::time_zone_spec::utc());
  CHECK_FALSE(impossible.next_after(at("2026-12-04T20:51:41Z")));
  CHECK_FALSE(impossible.last_at_or_before(at("2026-12-04T20:51:41Z")));
}

TEST_CASE("a manual schedule never fires and names itself", "[unit][flows]") {
  const auto none = schedule::none();
  CHECK(none.empty());
  CHECK_FALSE(none.next_after(at("2026-12-04T20:51:41Z")));
  CHECK_FALSE(none.last_at_or_before(at("2026-12-04T20:51:41Z")));
  CHECK(none.to_string() == "manual");
  CHECK(schedule::every(60s).to_string() == "every 60s");
  CHECK(schedule::every(1500ms).to_string() == "every 1500ms");
  auto expr = gg::sched::cron_expr::parse("*/15 * * * *");
  REQUIRE(expr.has_value());
  CHECK(schedule::on_cron(*expr, gg::sched::time_zone_spec::utc()).to_string() ==
        "cron */15 * * * * UTC");
}

TEST_CASE("triggers, states and log levels round-trip through their text", "[unit][flows]") {
  using gg::flows::run_state;
  using gg::flows::trigger_kind;
  for (auto t :
       {trigger_kind::schedule, trigger_kind::event, trigger_kind::manual, trigger_kind::retry}) {
    CHECK(gg::flows::parse_trigger_kind(gg::flows::to_string(t)) == t);
  }
  for (auto s : {run_state::scheduled, run_state::pending, run_state::running, run_state::completed,
                 run_state::failed, run_state::crashed, run_state::cancelled, run_state::skipped}) {
    CHECK(gg::flows::parse_run_state(gg::flows::to_string(s)) == s);
  }
  CHECK(gg::flows::to_string(run_state::crashed) == "crashed");
  CHECK(gg::flows::to_string(trigger_kind::retry) == "retry");
  CHECK_FALSE(gg::flows::parse_run_state("Running"));
  CHECK_FALSE(gg::flows::parse_trigger_kind(""));
  CHECK_FALSE(gg::flows::parse_trigger_kind("cron"));
  for (auto l : {gg::flows::log_level::debug, gg::flows::log_level::info,
                 gg::flows::log_level::warn, gg::flows::log_level::error}) {
    CHECK(gg::flows::parse_log_level(gg::flows::to_string(l)) == l);
  }
  CHECK_FALSE(gg::flows::parse_log_level("fatal"));
}

TEST_CASE("only completed, failed, crashed, cancelled and skipped are final", "[unit][flows]") {
  using gg::flows::is_final;
  using gg::flows::run_state;
  CHECK_FALSE(is_final(run_state::scheduled));
  CHECK_FALSE(is_final(run_state::pending));
  CHECK_FALSE(is_final(run_state::running));
  CHECK(is_final(run_state::completed));
  CHECK(is_final(run_state::failed));
  CHECK(is_final(run_state::crashed));
  CHECK(is_final(run_state::cancelled));
  CHECK(is_final(run_state::skipped));
}

TEST_CASE("durations read as people write them", "[unit][flows]") {
  using gg::flows::format_duration;
  CHECK(format_duration(0ms) == "0ms");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(45s) == "45s");
  CHECK(format_duration(372s) == "6m12s");
  CHECK(format_duration(5min) == "5m");
  CHECK(format_duration(2h + 30s) == "2h30s");
  CHECK(format_duration(std::chrono::hours(24 * 30)) == "30d");
  CHECK(format_duration(-3s) == "-3s");
}

TEST_CASE("a cron schedule in a named zone keeps its wall time across daylight saving",
          "[unit][flows]") {
  auto expr = gg::sched::cron_expr::parse("30 2 * * *");
  REQUIRE(expr.has_value());
  auto berlin = gg::sched::time_zone_spec::named("Europe/Berlin");
  REQUIRE(berlin.has_value());
  const auto s = schedule::on_cron(*expr, *berlin);
  CHECK(s.to_string() == "cron 30 2 * * * Europe/Berlin");
  // 02:30 CEST is 00:30 UTC in summer, 02:30 CET 01:30 UTC in winter.
  CHECK(iso(*s.next_after(at("2026-10-24T12:00:00Z"))) == "2026-10-25T00:30:00.000000Z");
  CHECK(iso(*s.next_after(at("2026-10-25T00:30:00Z"))) == "2026-10-26T01:30:00.000000Z");
  // 2027-03-28 has no 02:30 in Berlin: that day does not fire.
  CHECK(iso(*s.next_after(at("2027-03-27T12:00:00Z"))) == "2027-03-29T00:30:00.000000Z");
  CHECK(iso(*s.last_at_or_before(at("2027-03-29T00:00:00Z"))) == "2027-03-27T01:30:00.000000Z");
}

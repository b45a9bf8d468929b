#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using gg::sched::time_zone_spec;
using namespace std::chrono_literals;

}  // namespace

TEST_CASE("time zone specs parse UTC, local and fixed offsets", "[unit][sched]") {
  struct row {
    const char* text;
    time_zone_spec::kind kind;
    std::chrono::minutes offset;
    const char* canonical;
  };
  const row rows[] = {
      {"UTC", time_zone_spec::kind::utc, 0min, "UTC"},
      {"utc", time_zone_spec::kind::utc, 0min, "UTC"},
      {"Z", time_zone_spec::kind::utc, 0min, "UTC"},
      {" local ", time_zone_spec::kind::local, 0min, "local"},
      {"+05:30", time_zone_spec::kind::fixed, 330min, "+05:30"},
      {"-0800", time_zone_spec::kind::fixed, -480min, "-08:00"},
      {"+09", time_zone_spec::kind::fixed, 540min, "+09:00"},
      {"-00:30", time_zone_spec::kind::fixed, -30min, "-00:30"},
      {"+18:00", time_zone_spec::kind::fixed, 1080min, "+18:00"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto z = time_zone_spec::parse(r.text);
    REQUIRE(z.has_value());
    CHECK(z->type() == r.kind);
    CHECK(z->offset() == r.offset);
    CHECK(z->to_string() == r.canonical);
  }
}

TEST_CASE("malformed or out-of-range time zone specs are rejected", "[unit][sched]") {
  for (const char* text : {"", "05:30", "+5:30", "+05:3", "+05:", "+05:60", "+18:01", "-19",
                           "+0530x", "Europe/Paris", "utc+1"}) {
    INFO(text);
    auto z = time_zone_spec::parse(text);
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().code == gg::errc::invalid_input);
  }
  CHECK_FALSE(time_zone_spec::fixed(std::chrono::hours(19)).has_value());
  CHECK(time_zone_spec::fixed(-std::chrono::hours(18)).has_value());
}

TEST_CASE("a default time zone spec is UTC", "[unit][sched]") {
  CHECK(time_zone_spec{} == time_zone_spec::utc());
  CHECK(time_zone_spec::utc() != time_zone_spec::local());
}

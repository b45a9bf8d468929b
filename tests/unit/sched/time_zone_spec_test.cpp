#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <catch2/catch.hpp>

#include <chrono>
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
  for (const char* text :
       {"", "05:30", "+5:30", "+05:3", "+05:", "+05:60", "+18:01", "-19", "+0530x", "utc+1"}) {
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

TEST_CASE("IANA zone names parse into named zones that print their name", "[unit][sched]") {
  for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                           "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/GMT+5"}) {
    INFO(name);
    auto z = time_zone_spec::parse(name);
    REQUIRE(z.has_value());
    CHECK(z->type() == time_zone_spec::kind::named);
    CHECK(z->to_string() == name);
    CHECK(z->offset() == 0min);
    CHECK(z->zone() != nullptr);
    auto direct = time_zone_spec::named(name);
    REQUIRE(direct.has_value());
    CHECK(*direct == *z);
  }
  // Surrounding blanks are trimmed; another case is matched to the database's spelling.
  auto spaced = time_zone_spec::parse("  Europe/Berlin\t");
  REQUIRE(spaced.has_value());
  CHECK(spaced->to_string() == "Europe/Berlin");
  auto lower = time_zone_spec::parse("europe/berlin");
  REQUIRE(lower.has_value());
  CHECK(lower->to_string() == "Europe/Berlin");
  CHECK(*lower == *spaced);
  // UTC and local keep their own kinds; a name is not an offset.
  CHECK(time_zone_spec::parse("UTC")->type() == time_zone_spec::kind::utc);
  CHECK(*time_zone_spec::parse("Europe/Berlin") != *time_zone_spec::parse("Europe/Paris"));
}

TEST_CASE("an unknown zone name is an error naming it", "[unit][sched]") {
  for (const char* name : {"Mars/Olympus", "Europe/Berlinn", "Berlin", "05:30",
                           "../zoneinfo/Europe/Berlin", "/etc/passwd", "Europe/", "posixrules"}) {
    INFO(name);
    auto z = time_zone_spec::parse(name);
    REQUIRE_FALSE(z.has_value());
    CHECK(z.error().code == gg::errc::invalid_input);
    CHECK_THAT(z.error().message, Catch::Matchers::Contains(std::string("\"") + name + "\""));
    CHECK_THAT(z.error().message, Catch::Matchers::Contains("time zone database"));
  }
  auto z = time_zone_spec::named("Mars/Olympus");
  REQUIRE_FALSE(z.has_value());
  CHECK_THAT(z.error().message, Catch::Matchers::Contains("Europe/Berlin"));  // the expected form
}

TEST_CASE("a named zone's offset follows its daylight-saving rules", "[unit][sched]") {
  using std::chrono::sys_days;
  using std::chrono::system_clock;
  const auto at = [](int y, unsigned m, unsigned d, int h) {
    return system_clock::time_point{sys_days{std::chrono::year{y} / m / d} + std::chrono::hours(h)};
  };
  auto berlin = time_zone_spec::parse("Europe/Berlin");
  REQUIRE(berlin.has_value());
  CHECK(berlin->offset_at(at(2026, 1, 15, 12)) == 1h);
  CHECK(berlin->offset_at(at(2026, 7, 15, 12)) == 2h);
  // The spring transition is at 01:00 UTC on the last Sunday of March.
  CHECK(berlin->offset_at(at(2026, 3, 29, 1) - std::chrono::seconds(1)) == 1h);
  CHECK(berlin->offset_at(at(2026, 3, 29, 1)) == 2h);

  auto lord_howe = time_zone_spec::parse("Australia/Lord_Howe");
  REQUIRE(lord_howe.has_value());
  CHECK(lord_howe->offset_at(at(2026, 7, 1, 0)) == 10h + 30min);
  CHECK(lord_howe->offset_at(at(2026, 1, 1, 0)) == 11h);

  CHECK(time_zone_spec::parse("+05:30")->offset_at(at(2026, 1, 1, 0)) == 5h + 30min);
  CHECK(time_zone_spec::utc().offset_at(at(2026, 7, 1, 0)) == 0s);
}

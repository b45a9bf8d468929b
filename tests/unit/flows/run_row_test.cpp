#include "run_row.hpp"

#include <catch2/catch.hpp>

TEST_CASE("run parameters round-trip through their JSON object", "[unit][flows]") {
  using gg::flows::detail::params_json;
  using gg::flows::detail::parse_params;
  const gg::flows::parameters p{{"full_refresh", "true"}, {"select", "m+ \"quoted\"\n"}};
  const auto json = params_json(p);
  CHECK(json == R"({"full_refresh":"true","select":"m+ \"quoted\"\n"})");
  auto back = parse_params(json);
  REQUIRE(back.has_value());
  CHECK(*back == p);
  CHECK(params_json({}) == "{}");
  CHECK(parse_params("{}")->empty());
  CHECK(parse_params("")->empty());
}

TEST_CASE("run parameters that are not a JSON object are refused", "[unit][flows]") {
  using gg::flows::detail::parse_params;
  CHECK(parse_params("[1,2]").error().code == gg::errc::invalid_input);
  CHECK(parse_params("{").error().code == gg::errc::invalid_input);
  // Non-string values keep their JSON text.
  auto mixed = parse_params(R"({"limit": 5, "deep": {"a": true}})");
  REQUIRE(mixed.has_value());
  CHECK(mixed->at("limit") == "5");
  CHECK(mixed->at("deep") == R"({"a":true})");
}

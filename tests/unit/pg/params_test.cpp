#include <gadgetgrove/pg/params.hpp>

#include <catch2/catch.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

using gg::pg::param_list;
using gg::pg::param_value;

namespace {

std::string text(const param_value& v) { return v ? std::string(*v) : std::string("<NULL>"); }

}  // namespace

TEST_CASE("integers become decimal text parameters", "[unit][pg]") {
  const param_list p(0, -42, std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::uint64_t>::max(), static_cast<short>(7));
  const auto v = p.values();
  REQUIRE(v.size() == 5);
  CHECK(text(v[0]) == "0");
  CHECK(text(v[1]) == "-42");
  CHECK(text(v[2]) == "-9223372036854775808");
  CHECK(text(v[3]) == "18446744073709551615");
  CHECK(text(v[4]) == "7");
}

TEST_CASE("floating point becomes round-trip text with PostgreSQL's special values", "[unit][pg]") {
  const param_list p(
      0.1, -2.5f, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(), 1e300, std::numeric_limits<double>::denorm_min());
  const auto v = p.values();
  CHECK(text(v[0]) == "0.1");
  CHECK(text(v[1]) == "-2.5");
  CHECK(text(v[2]) == "NaN");
  CHECK(text(v[3]) == "Infinity");
  CHECK(text(v[4]) == "-Infinity");
  CHECK(text(v[5]) == "1e+300");
  double back = 0;
  const std::string tiny = text(v[6]);
  std::from_chars(tiny.data(), tiny.data() + tiny.size(), back);
  CHECK(back == std::numeric_limits<double>::denorm_min());
}

TEST_CASE("bools become true/false", "[unit][pg]") {
  const param_list p(true, false);
  CHECK(text(p.values()[0]) == "true");
  CHECK(text(p.values()[1]) == "false");
}

TEST_CASE("strings are passed through unchanged, including NUL-free unicode", "[unit][pg]") {
  const std::string s = "grüße, 世界 'quoted' \\ back";
  const std::string_view sv = "view";
  const char* cs = "c-string";
  const param_list p(s, sv, cs, "literal", std::string{});
  const auto v = p.values();
  CHECK(text(v[0]) == s);
  CHECK(v[0]->data() == s.data());
  CHECK(text(v[1]) == "view");
  CHECK(text(v[2]) == "c-string");
  CHECK(text(v[3]) == "literal");
  REQUIRE(v[4].has_value());
  CHECK(v[4]->empty());
}

TEST_CASE("nullptr, nullopt, empty optionals and null C strings become NULL", "[unit][pg]") {
  const std::optional<int> none;
  const std::optional<std::string> some = "x";
  const std::optional<double> half = 0.5;
  const char* null_cs = nullptr;
  const param_list p(nullptr, std::nullopt, none, some, half, null_cs);
  const auto v = p.values();
  CHECK_FALSE(v[0].has_value());
  CHECK_FALSE(v[1].has_value());
  CHECK_FALSE(v[2].has_value());
  CHECK(text(v[3]) == "x");
  CHECK(text(v[4]) == "0.5");
  CHECK_FALSE(v[5].has_value());
}

TEST_CASE("only supported types are accepted as parameters", "[unit][pg]") {
  STATIC_REQUIRE(gg::pg::text_param<int>);
  STATIC_REQUIRE(gg::pg::text_param<std::optional<std::string_view>>);
  STATIC_REQUIRE(gg::pg::text_param<const char*>);
  STATIC_REQUIRE_FALSE(gg::pg::text_param<char>);
  STATIC_REQUIRE_FALSE(gg::pg::text_param<std::optional<char>>);
  STATIC_REQUIRE_FALSE(gg::pg::text_param<int*>);
}

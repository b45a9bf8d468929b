#include <gadgetgrove/core/json_text.hpp>

#include <simdjson.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

namespace {

std::string number(double v, int decimals = gg::json_shortest) {
  std::string out;
  gg::append_json_double(out, v, decimals);
  return out;
}

bool has_exponent(std::string_view s) { return s.find_first_of("eE") != std::string_view::npos; }

/// Reads `text` (one JSON number) back as a double with a full JSON parser.
double read_back(const std::string& text) {
  simdjson::dom::parser parser;
  double v = 0;
  REQUIRE(parser.parse(text).get_double().get(v) == simdjson::SUCCESS);
  return v;
}

}  // namespace

TEST_CASE("a double with fixed decimals is written as printf's %.Nf writes it", "[unit][core]") {
  CHECK(number(0, 2) == "0.00");
  CHECK(number(0, 0) == "0");
  CHECK(number(19.99, 2) == "19.99");
  CHECK(number(129999 / 100.0, 2) == "1299.99");
  CHECK(number(-12.5, 3) == "-12.500");
  CHECK(number(1234567890123.456, 1) == "1234567890123.5");
  CHECK(number(1e21, 2) == "1000000000000000000000.00");
  CHECK(number(1e21, 0) == "1000000000000000000000.0");
  CHECK(number(-1e18, 0) == "-1000000000000000000.0");
  CHECK(number(1e17, 0) == "100000000000000000");
  CHECK(number(1e-7, 3) == "0.000");
  CHECK(number(2.5e-7, 9) == "0.000000250");
  // 0.005 is stored as 0.005000000000000000104..., so it rounds up; 1.005 is stored below
  // its decimal and rounds down; an exact binary tie goes to even.
  CHECK(number(0.005, 2) == "0.01");
  CHECK(number(1.005, 2) == "1.00");
  CHECK(number(0.125, 2) == "0.12");
  CHECK(number(0.375, 2) == "0.38");

  std::mt19937_64 rng(20261206);
  std::uniform_real_distribution<double> magnitude(-12, 12);
  std::uniform_int_distribution<int> decimals(0, 9);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::pow(10.0, magnitude(rng)) * (i % 2 == 0 ? 1 : -1);
    const int d = decimals(rng);
    char expected[512];
    std::snprintf(expected, sizeof expected, "%.*f", d, v);
    std::string want = expected;
    // A negative that rounds to zero loses its sign here, where printf keeps it.
    if (want.find_first_not_of("-0.") == std::string::npos && want[0] == '-') want.erase(0, 1);
    INFO(v << " at " << d << " decimals");
    REQUIRE(number(v, d) == want);
  }
}

TEST_CASE("a double without decimals is the shortest text that reads back the same",
          "[unit][core]") {
  CHECK(number(0) == "0");
  CHECK(number(-0.0) == "0");
  CHECK(number(-0.0, 2) == "0.00");
  CHECK(number(-0.001, 2) == "0.00");
  CHECK(number(12.345) == "12.345");
  CHECK(number(-7.25) == "-7.25");
  CHECK(number(1.0) == "1");
  CHECK(number(0.1) == "0.1");
  CHECK(number(1e21) == "1000000000000000000000.0");
  CHECK(number(-1e19) == "-10000000000000000000.0");
  CHECK(number(1.5e-7) == "0.00000015");
  CHECK(number(123456789.123) == "123456789.123");

  for (const double v : {DBL_MAX, -DBL_MAX, DBL_MIN, std::numeric_limits<double>::denorm_min(),
                         1.0 / 3.0, 2.0 / 3.0 * 1e-300, 6.02214076e23}) {
    const std::string text = number(v);
    INFO(text);
    CHECK_FALSE(has_exponent(text));
    CHECK(read_back(text) == v);
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> magnitude(-30, 30);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::pow(10.0, magnitude(rng)) * (i % 2 == 0 ? 1 : -1);
    const std::string text = number(v);
    INFO(text);
    REQUIRE_FALSE(has_exponent(text));
    REQUIRE(read_back(text) == v);
  }
}

TEST_CASE("NaN and infinities are written as null", "[unit][core]") {
  CHECK(number(std::numeric_limits<double>::quiet_NaN()) == "null");
  CHECK(number(std::numeric_limits<double>::infinity(), 2) == "null");
  CHECK(number(-std::numeric_limits<double>::infinity()) == "null");
  const boost::json::object doc{{"a", std::numeric_limits<double>::quiet_NaN()}, {"b", 1.5}};
  CHECK(gg::json_text(doc) == R"({"a":null,"b":1.5})");
}

TEST_CASE("each member's doubles get the decimals asked for by its key", "[unit][core]") {
  const boost::json::object doc{
      {"id", "r-1"},
      {"seconds", 1.5},
      {"rate", 2.0 / 3.0},
      {"nested", boost::json::object{{"seconds", 0.25}, {"count", 3}}},
      {"series", boost::json::array{1.0, 0.5, 1e-9}},
      {"other", 1.2345e1},
  };
  static constexpr gg::json_decimals decimals[] = {{"seconds", 3}, {"rate", 2}, {"series", 1}};
  CHECK(gg::json_text(doc, decimals) ==
        R"({"id":"r-1","seconds":1.500,"rate":0.67,"nested":{"seconds":0.250,"count":3},)"
        R"("series":[1.0,0.5,0.0],"other":12.345})");
  CHECK(gg::json_text(doc, {}, 1) ==
        R"({"id":"r-1","seconds":1.5,"rate":0.7,"nested":{"seconds":0.2,"count":3},)"
        R"("series":[1.0,0.5,0.0],"other":12.3})");
}

TEST_CASE("everything but doubles is written as Boost.JSON writes it", "[unit][core]") {
  const boost::json::value doc = boost::json::parse(
      R"({"s":"a\"b\\c\n\u0001","t":true,"f":false,"n":null,"i":-9223372036854775808,)"
      R"("u":18446744073709551615,"e":[],"o":{},"deep":[[{"x":[1,2]}]]})");
  CHECK(gg::json_text(doc) == boost::json::serialize(doc));
  // Invalid UTF-8 in a string becomes U+FFFD, so the text is always valid JSON.
  const boost::json::value bad = boost::json::string(
      "a\xff"
      "b");
  CHECK(gg::json_text(bad) == "\"a\\ufffdb\"");
}

TEST_CASE("Boost.JSON alone would write an exponent", "[unit][core]") {
  // Why this writer exists: if a later Boost writes plain decimals, it may replace it.
  CHECK(has_exponent(boost::json::serialize(boost::json::value(12.345))));
  CHECK_FALSE(has_exponent(gg::json_text(boost::json::value(12.345))));
}

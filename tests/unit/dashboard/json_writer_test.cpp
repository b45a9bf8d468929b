#include "json_writer.hpp"

#include <catch2/catch.hpp>

#include <limits>

using gg::dashboard::json_writer;

TEST_CASE("the JSON writer places commas, escapes strings and keeps decimals as given",
          "[unit][dashboard]") {
  json_writer w;
  w.open_object().key("a").integer(-3).key("b").open_array();
  w.decimal("45.00").decimal("-0.50").decimal("7").number(0.5).null();
  w.close_array().key("s\"").string("x\ny").key("o").open_object().close_object();
  w.key("t").boolean(true).key("e").open_array().close_array().close_object();
  CHECK(w.take() == R"({"a":-3,"b":[45.00,-0.50,7,0.5,null],"s\"":"x\ny","o":{},"t":true,"e":[]})");
}

TEST_CASE("the JSON writer turns what is not a number into null", "[unit][dashboard]") {
  json_writer w;
  w.open_array();
  for (const char* bad : {"NaN", "", "1e5", ".5", "5.", "--1", "1.2.3", "Infinity", "1,0"}) {
    w.decimal(bad);
  }
  w.number(std::numeric_limits<double>::quiet_NaN());
  w.number(std::numeric_limits<double>::infinity());
  w.optional_number(std::nullopt).optional_string(std::nullopt);
  w.close_array();
  CHECK(w.take() == "[null,null,null,null,null,null,null,null,null,null,null,null,null]");
}

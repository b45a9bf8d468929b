#include "jinja/value.hpp"

#include <catch2/catch.hpp>

namespace jj = gg::transform::jinja;

TEST_CASE("values print with Python's str() spelling", "[unit][transform][jinja]") {
  CHECK(jj::value().str() == "");
  CHECK(jj::value::none().str() == "None");
  CHECK(jj::value(true).str() == "True");
  CHECK(jj::value(false).str() == "False");
  CHECK(jj::value(-12).str() == "-12");
  CHECK(jj::value(1.0).str() == "1.0");
  CHECK(jj::value(0.1).str() == "0.1");
  CHECK(jj::value(1e16).str() == "1e+16");
  CHECK(jj::value(123456789012345.0).str() == "123456789012345.0");
  CHECK(jj::value(1.5e-5).str() == "1.5e-05");
  CHECK(jj::value(0.0001).str() == "0.0001");
  CHECK(jj::value("it's").repr() == "\"it's\"");
  CHECK(jj::value("a'\"b").repr() == "'a\\'\"b'");
  CHECK(jj::value(jj::list{jj::value("a"), jj::value(1), jj::value::none()}).str() ==
        "['a', 1, None]");
  CHECK(jj::value::make_tuple(jj::list{jj::value(1)}).str() == "(1,)");
  CHECK(jj::value(jj::dict{{"k", jj::value(1)}, {"a", jj::value("x")}}).str() ==
        "{'k': 1, 'a': 'x'}");
}

TEST_CASE("truthiness follows Python", "[unit][transform][jinja]") {
  CHECK_FALSE(jj::value().truthy());
  CHECK_FALSE(jj::value::none().truthy());
  CHECK_FALSE(jj::value(0).truthy());
  CHECK_FALSE(jj::value(0.0).truthy());
  CHECK_FALSE(jj::value("").truthy());
  CHECK_FALSE(jj::value(jj::list{}).truthy());
  CHECK_FALSE(jj::value(jj::dict{}).truthy());
  CHECK(jj::value("0").truthy());
  CHECK(jj::value(jj::list{jj::value()}).truthy());
}

TEST_CASE("equality compares numbers across int, float and bool and containers deeply",
          "[unit][transform][jinja]") {
  CHECK(jj::value(1).equals(jj::value(1.0)));
  CHECK(jj::value(true).equals(jj::value(1)));
  CHECK_FALSE(jj::value("1").equals(jj::value(1)));
  CHECK(jj::value(jj::list{jj::value(1), jj::value("a")})
            .equals(jj::value(jj::list{jj::value(1.0), jj::value("a")})));
  CHECK(jj::value(jj::dict{{"a", jj::value(1)}, {"b", jj::value(2)}})
            .equals(jj::value(jj::dict{{"b", jj::value(2)}, {"a", jj::value(1)}})));
  CHECK_FALSE(jj::value::none().equals(jj::value()));
}

TEST_CASE("copies of lists and dicts share their contents as Python references do",
          "[unit][transform][jinja]") {
  jj::value a(jj::list{jj::value(1)});
  jj::value b = a;
  b.as_list().push_back(jj::value(2));
  CHECK(a.as_list().size() == 2);
  jj::value d(jj::dict{});
  jj::value e = d;
  e.as_dict().set("k", jj::value("v"));
  REQUIRE(d.as_dict().find("k") != nullptr);
  CHECK(d.as_dict().find("k")->as_string() == "v");
}

TEST_CASE("a dict keeps insertion order, replaces in place and stays correct when large",
          "[unit][transform][jinja]") {
  jj::dict d;
  for (int i = 0; i < 100; ++i) d.set("k" + std::to_string(i), jj::value(i));
  d.set("k5", jj::value("five"));
  CHECK(d.size() == 100);
  CHECK(d.entries()[5].first == "k5");
  CHECK(d.find("k5")->as_string() == "five");
  CHECK(d.erase("k0"));
  CHECK_FALSE(d.erase("k0"));
  CHECK(d.find("k0") == nullptr);
  CHECK(d.find("k99")->as_int() == 99);
  CHECK(d.entries().front().first == "k1");
}

TEST_CASE("call_args finds an argument by keyword or position", "[unit][transform][jinja]") {
  jj::call_args args;
  args.positional = {jj::value("a"), jj::value("b")};
  args.keyword = {{"x", jj::value(1)}};
  CHECK(args.get(0, "first")->as_string() == "a");
  CHECK(args.get(5, "x")->as_int() == 1);
  CHECK(args.get(5, "y") == nullptr);
}

#include <gadgetgrove/http/request.hpp>

#include <catch2/catch.hpp>

using gg::http::percent_decode;
using gg::http::request;

TEST_CASE("path and query split at the first question mark", "[unit][http]") {
  request r;
  r.target = "/api/products?category=Laptops&x=1?2";
  CHECK(r.path() == "/api/products");
  CHECK(r.query() == "category=Laptops&x=1?2");
  r.target = "/plain";
  CHECK(r.path() == "/plain");
  CHECK(r.query().empty());
  r.target = "/empty?";
  CHECK(r.path() == "/empty");
  CHECK(r.query().empty());
}

TEST_CASE("query parameters are found by name and percent-decoded", "[unit][http]") {
  request r;
  r.target = "/p?category=Smart+Watches&name=caf%C3%A9&flag&empty=&a%20b=c%26d&dup=1&dup=2";
  CHECK(r.query_param("category") == "Smart Watches");
  CHECK(r.query_param("name") == "caf\xC3\xA9");
  CHECK(r.query_param("flag") == "");
  CHECK(r.query_param("empty") == "");
  CHECK(r.query_param("a b") == "c&d");
  CHECK(r.query_param("dup") == "1");
  CHECK_FALSE(r.query_param("missing").has_value());
  CHECK_FALSE(r.query_param("cat").has_value());
}

TEST_CASE("percent decoding keeps malformed escapes as they are", "[unit][http]") {
  CHECK(percent_decode("100%") == "100%");
  CHECK(percent_decode("%zz%4") == "%zz%4");
  CHECK(percent_decode("%41%62") == "Ab");
  CHECK(percent_decode("a+b") == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("%00x") == std::string("\0x", 2));
}

TEST_CASE("header lookup ignores case and returns the first field", "[unit][http]") {
  request r;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("X-Twice", "first");
  r.headers.add("x-twice", "second");
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("CONTENT-TYPE") == "application/json");
  CHECK(r.header("x-TWICE") == "first");
  CHECK_FALSE(r.header("content").has_value());
  REQUIRE(r.headers.size() == 3);
  CHECK(r.headers.name_at(2) == "x-twice");
  CHECK(r.headers.value_at(2) == "second");
}

TEST_CASE("headers stay valid after the request is moved", "[unit][http]") {
  request r;
  r.headers.add("A", "1");
  request moved = std::move(r);
  CHECK(moved.header("a") == "1");
}

TEST_CASE("cookies are read from every Cookie field", "[unit][http]") {
  request r;
  r.headers.add("Cookie", "theme=dark; gadgetgrove_session=abc123 ;other=\"q\"");
  r.headers.add("cookie", "late=yes");
  CHECK(r.cookie("gadgetgrove_session") == "abc123");
  CHECK(r.cookie("theme") == "dark");
  CHECK(r.cookie("other") == "q");
  CHECK(r.cookie("late") == "yes");
  CHECK_FALSE(r.cookie("gadgetgrove").has_value());
}

TEST_CASE("verbs round-trip through their method tokens", "[unit][http]") {
  using gg::http::verb;
  for (const verb v :
       {verb::get, verb::head, verb::post, verb::put, verb::patch, verb::del, verb::options}) {
    CHECK(gg::http::parse_verb(gg::http::to_string(v)) == v);
  }
  CHECK(gg::http::parse_verb("get") == verb::other);
  CHECK(gg::http::parse_verb("PROPFIND") == verb::other);
}

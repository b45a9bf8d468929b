#include <gadgetgrove/http/static_assets.hpp>

#include <gadgetgrove/core/sha256.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <string>

using gg::http::etag_matches;
using gg::http::request;

namespace {

request get(std::string target, std::string if_none_match = {}) {
  request r;
  r.target = std::move(target);
  if (!if_none_match.empty()) r.headers.add("If-None-Match", if_none_match);
  return r;
}

constexpr std::array<gg::http::static_asset, 3> files = {{
    {"a.css", "text/css; charset=utf-8", "body{}", "\"aaaa\""},
    {"b/c.js", "text/javascript; charset=utf-8", "x()", "\"bbbb\""},
    {"d.svg", "image/svg+xml", "<svg/>", "\"dddd\""},
}};
constexpr gg::http::static_assets table{files};

}  // namespace

TEST_CASE("If-None-Match matches a listed tag, a weak form of it, or *", "[unit][http]") {
  CHECK_FALSE(etag_matches(std::nullopt, "\"x\""));
  CHECK(etag_matches("\"x\"", "\"x\""));
  CHECK(etag_matches("W/\"x\"", "\"x\""));
  CHECK(etag_matches("\"a\", \t\"x\" ", "\"x\""));
  CHECK(etag_matches("*", "\"x\""));
  CHECK_FALSE(etag_matches("\"y\"", "\"x\""));
  CHECK_FALSE(etag_matches("x", "\"x\""));
  CHECK_FALSE(etag_matches("", "\"x\""));
  CHECK_FALSE(etag_matches(",,", "\"x\""));
}

TEST_CASE("a table of embedded files finds paths exactly", "[unit][http]") {
  CHECK(table.size() == 3);
  REQUIRE(table.find("b/c.js") != nullptr);
  CHECK(table.find("b/c.js")->body == "x()");
  CHECK(table.find("a.css")->etag == "\"aaaa\"");
  CHECK(table.find("d.svg") == &files[2]);
  for (std::string_view missing : {"", "b", "b/", "/a.css", "a.cs", "a.css ", "e"}) {
    CAPTURE(missing);
    CHECK(table.find(missing) == nullptr);
  }
}

TEST_CASE("a validated response is 200 with the body, or 304 without it on a match",
          "[unit][http]") {
  const auto full = gg::http::asset_response(get("/x"), files[1], "no-cache");
  CHECK(full.status == 200);
  CHECK(full.body == "x()");
  CHECK(full.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(full.header("ETag") == "\"bbbb\"");
  CHECK(full.header("Cache-Control") == "no-cache");

  const auto same = gg::http::asset_response(get("/x", "\"bbbb\""), files[1], "max-age=60");
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK_FALSE(same.header("Content-Type"));
  CHECK(same.header("ETag") == "\"bbbb\"");
  CHECK(same.header("Cache-Control") == "max-age=60");

  CHECK(gg::http::asset_response(get("/x", "\"aaaa\""), files[1], "no-cache").status == 200);
}

TEST_CASE("a content ETag is the quoted first 20 hex digits of the SHA-256", "[unit][http]") {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a3...
  CHECK(gg::http::content_etag("abc") == "\"ba7816bf8f01cfea4141\"");
  CHECK(gg::http::content_etag("") == "\"e3b0c44298fc1c149afb\"");
  CHECK(gg::http::content_etag("abd") != gg::http::content_etag("abc"));
}

#include "target.hpp"

#include <catch2/catch.hpp>

#include <gadgetgrove/core/result.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

using namespace gg::traffic::detail;

TEST_CASE("target URLs are parsed into host, port, Host header and origin", "[unit][traffic]") {
  auto t = parse_target_url("http://127.0.0.1:8000");
  REQUIRE(t.has_value());
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 8000);
  CHECK(t->host_header == "127.0.0.1:8000");
  CHECK(t->origin == "http://127.0.0.1:8000");
  auto v6 = parse_target_url("http://[::1]:9/");
  REQUIRE(v6.has_value());
  CHECK(v6->host == "::1");
  CHECK(v6->host_header == "[::1]:9");
  auto dflt = parse_target_url("http://localhost");
  REQUIRE(dflt.has_value());
  CHECK(dflt->port == 80);
}

TEST_CASE("unusable target URLs are configuration errors", "[unit][traffic]") {
  for (const char* bad : {"https://127.0.0.1", "127.0.0.1:8000", "http://:80", "http://h:0",
                          "http://h:70000", "http://h:8000/api", "http://[::1"}) {
    auto t = parse_target_url(bad);
    CHECK_FALSE(t.has_value());
    if (!t) CHECK(t.error().code == gg::errc::config);
  }
}

TEST_CASE("unspecified listener addresses are reached over loopback", "[unit][traffic]") {
  CHECK(url_for_listener("0.0.0.0:8000") == "http://127.0.0.1:8000");
  CHECK(url_for_listener("[::]:8000") == "http://[::1]:8000");
  CHECK(url_for_listener("127.0.0.1:41234") == "http://127.0.0.1:41234");
  auto t = parse_target_url("http://0.0.0.0:8000");
  REQUIRE(t.has_value());
  auto ep = resolve_target(*t);
  REQUIRE(ep.has_value());
  CHECK(ep->address().to_string() == "127.0.0.1");
}

TEST_CASE("serve.json gives the public address of a running serve", "[unit][traffic]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("gg-traffic-target-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  CHECK_FALSE(serve_json_url(dir).has_value());
  {
    std::ofstream f(dir / "serve.json");
    f << R"({"public":"127.0.0.1:41234","admin":"127.0.0.1:41235","database":"x","pid":1})";
  }
  CHECK(serve_json_url(dir) == std::optional<std::string>("http://127.0.0.1:41234"));
  {
    std::ofstream f(dir / "serve.json");
    f << R"({"public":"127.0.0.1:41234","admin":"127.0.0.1:41235",)";  // torn: not JSON
  }
  CHECK_FALSE(serve_json_url(dir).has_value());
  std::filesystem::remove_all(dir);
}

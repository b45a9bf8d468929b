#include <gadgetgrove/console/console.hpp>

#include <gadgetgrove/core/sha256.hpp>
#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using gg::http::route_match;
using gg::http::verb;

namespace {

/// Dispatches GET `target` through `r` in process, as the server would.
gg::http::response get(const gg::http::router& r, std::string target,
                       std::string if_none_match = {}, std::string accept_encoding = {}) {
  gg::http::request req;
  req.method = verb::get;
  req.target = std::move(target);
  if (!if_none_match.empty()) req.headers.add("If-None-Match", if_none_match);
  if (!accept_encoding.empty()) req.headers.add("Accept-Encoding", accept_encoding);
  const auto m = r.match(verb::get, req.path());
  REQUIRE(m.result == route_match::outcome::found);
  std::optional<gg::http::response> out;
  (*m.target)(std::move(req),
              gg::http::responder::to_function([&](gg::http::response&& res) { out = res; }));
  REQUIRE(out.has_value());
  return *out;
}

}  // namespace

TEST_CASE("the console's routes answer pages and files with its headers", "[unit][console]") {
  gg::http::router r;
  gg::console::add_console_routes(r);

  const auto page = get(r, "/pipeline?flow=load#ignored");
  CHECK(page.status == 200);
  CHECK(page.header("Content-Security-Policy") == gg::console::content_security_policy);
  CHECK(page.header("Referrer-Policy") == "same-origin");
  CHECK(page.header("X-Content-Type-Options") == "nosniff");
  CHECK(page.body.find(R"(data-page="pipeline" aria-current="page")") != std::string::npos);
  const std::string etag{page.header("ETag").value_or("")};
  CHECK(etag == gg::http::content_etag(page.body));
  CHECK(get(r, "/pipeline", etag).status == 304);

  const auto css = get(r, "/console/console.css");
  CHECK(css.status == 200);
  CHECK(css.header("Content-Type") == "text/css; charset=utf-8");
  CHECK(css.header("Content-Security-Policy") == gg::console::content_security_policy);
  for (const char* missing : {"/console/pipeline.html", "/console/header.html", "/console/",
                              "/console/missing.js", "/console/console.css/"}) {
    CAPTURE(missing);
    const auto r404 = get(r, missing);
    CHECK(r404.status == 404);
    CHECK(r404.header("Content-Security-Policy") == gg::console::content_security_policy);
  }
  // Only GET (HEAD follows it); a POST to a page is not a route.
  CHECK(r.match(verb::post, "/pipeline").result == route_match::outcome::method_not_allowed);
  CHECK(r.match(verb::post, "/dashboard").result == route_match::outcome::method_not_allowed);
  // The dashboard answers at / as well; paths beside the pages are not routes.
  CHECK(get(r, "/").status == 200);
  CHECK(r.match(verb::get, "/pipeline/x").result == route_match::outcome::not_found);
}

TEST_CASE("the console cannot be added twice to one router", "[unit][console]") {
  gg::http::router r;
  gg::console::add_console_routes(r);
  CHECK_THROWS_AS(gg::console::add_console_routes(r), std::invalid_argument);
}

TEST_CASE(
    "the charting library is sent gzip-compressed to a client that accepts it, with its "
    "own validator",
    "[unit][console]") {
  gg::http::router r;
  gg::console::add_console_routes(r);
  const std::string path = "/console/vendor/echarts.dashboard.min.js";
  const auto* lib = gg::console::console_assets().find("vendor/echarts.dashboard.min.js");
  const auto* gz = gg::console::console_assets().find("vendor/echarts.dashboard.min.js.gz");
  REQUIRE(lib != nullptr);
  REQUIRE(gz != nullptr);

  const auto plain = get(r, path);
  CHECK(plain.status == 200);
  CHECK(plain.body == lib->body);
  CHECK_FALSE(plain.header("Content-Encoding").has_value());
  CHECK(plain.header("Vary") == "Accept-Encoding");
  CHECK(plain.header("ETag") == lib->etag);

  const auto packed = get(r, path, {}, "gzip, deflate, br, zstd");
  CHECK(packed.status == 200);
  CHECK(packed.body == gz->body);
  CHECK(packed.header("Content-Encoding") == "gzip");
  CHECK(packed.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(packed.header("Vary") == "Accept-Encoding");
  CHECK(packed.header("ETag") == gz->etag);
  CHECK(packed.header("Cache-Control") == "no-cache");
  CHECK(packed.header("Content-Security-Policy") == gg::console::content_security_policy);

  // Each representation revalidates with its own ETag only.
  CHECK(get(r, path, std::string{gz->etag}, "gzip").status == 304);
  CHECK(get(r, path, std::string{lib->etag}, "gzip").status == 200);
  CHECK(get(r, path, std::string{lib->etag}).status == 304);
  // Refused gzip, and the compressed copy is no file of its own.
  CHECK(get(r, path, {}, "gzip;q=0, identity").body == lib->body);
  CHECK(get(r, path + ".gz").status == 404);
  // Files without a compressed copy are sent as they are.
  const auto css = get(r, "/console/console.css", {}, "gzip");
  CHECK_FALSE(css.header("Content-Encoding").has_value());
  CHECK_FALSE(css.header("Vary").has_value());
}

TEST_CASE(
    "the pages name their files under the build's version, derived from every file's content, "
    "served for good, and other versions are not found",
    "[unit][console]") {
  const auto& assets = gg::console::console_assets();
  // The version is the digest of one "<path> <ETag>" line per file; each ETag is the digest of
  // the file's bytes (checked here again), so any change to any file changes the version.
  std::string manifest;
  for (const auto& a : assets) {
    CAPTURE(a.path);
    CHECK(a.etag == gg::http::content_etag(a.body));
    manifest += std::string{a.path} + " " + std::string{a.etag.substr(1, a.etag.size() - 2)} + "\n";
  }
  std::string hex;
  for (const auto byte : gg::sha256::of(manifest)) {
    constexpr std::string_view digits = "0123456789abcdef";
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  REQUIRE(assets.version() == hex.substr(0, 20));
  const std::string prefix = "/console/v/" + hex.substr(0, 20) + "/";
  CHECK(gg::console::versioned_asset_path("console.css") == prefix + "console.css");

  gg::http::router r;
  gg::console::add_console_routes(r);
  const auto page = get(r, "/dashboard");
  CHECK(page.header("Cache-Control") == "no-cache");
  for (const char* file : {"dashboard_boot.js", "dashboard.js", "console.css", "favicon.svg",
                           "vendor/echarts.dashboard.min.js"}) {
    CAPTURE(file);
    CHECK(page.body.find("\"" + prefix + file + "\"") != std::string::npos);
  }
  CHECK(page.body.find("\"/console/dashboard.js\"") == std::string::npos);
  CHECK(get(r, "/pipeline").body.find("\"" + prefix + "pipeline.js\"") != std::string::npos);

  const auto* lib = assets.find("vendor/echarts.dashboard.min.js");
  const auto* gz = assets.find("vendor/echarts.dashboard.min.js.gz");
  REQUIRE(lib != nullptr);
  REQUIRE(gz != nullptr);
  const std::string lib_path = prefix + "vendor/echarts.dashboard.min.js";
  const auto packed = get(r, lib_path, {}, "gzip");
  CHECK(packed.status == 200);
  CHECK(packed.header("Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(packed.header("Content-Encoding") == "gzip");
  CHECK(packed.header("Vary") == "Accept-Encoding");
  CHECK(packed.header("ETag") == gz->etag);
  CHECK(packed.body == gz->body);
  CHECK(packed.header("Content-Security-Policy") == gg::console::content_security_policy);
  const auto plain = get(r, lib_path);
  CHECK(plain.body == lib->body);
  CHECK(plain.header("Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(get(r, lib_path, std::string{lib->etag}).status == 304);
  // Unversioned, the same file is revalidated each time (links such as the licences).
  CHECK(get(r, "/console/vendor/echarts.dashboard.min.js").header("Cache-Control") == "no-cache");

  // Another build's version (here: the right one with a digit changed), none, or a name that is
  // no file under it: not found, and not to be kept.
  std::string old = hex.substr(0, 20);
  old[0] = old[0] == '0' ? '1' : '0';
  for (const std::string& missing : std::vector<std::string>{
           "/console/v/" + old + "/console.css", "/console/v/" + hex.substr(0, 19) + "/console.css",
           "/console/v/" + hex + "/console.css", "/console/v/console.css",
           "/console/v//console.css", prefix, prefix + "nope.js", prefix + "dashboard.html",
           prefix + "header.html", prefix + "vendor/echarts.dashboard.min.js.gz",
           prefix + "v/" + hex.substr(0, 20) + "/console.css"}) {
    CAPTURE(missing);
    const auto r404 = get(r, missing);
    CHECK(r404.status == 404);
    CHECK(r404.header("Cache-Control") == "no-store");
    CHECK(r404.header("Content-Security-Policy") == gg::console::content_security_policy);
  }
}

TEST_CASE(
    "the dashboard's default view announces its first requests with the page, the ones its boot "
    "module sends",
    "[unit][console]") {
  gg::http::router r;
  gg::console::add_console_routes(r);
  const auto page = get(r, "/dashboard");
  const std::string link{page.header("Link").value_or("")};
  // The panels dashboard_boot.js asks for first, read from the file itself, and health.
  const std::string boot{gg::console::console_assets().find("dashboard_boot.js")->body};
  const auto list = boot.find("export const panels = [");
  REQUIRE(list != std::string::npos);
  std::vector<std::string> panels;
  const auto end = boot.find(']', list);
  for (auto at = boot.find('\'', list); at < end; at = boot.find('\'', at + 1)) {
    const auto close = boot.find('\'', at + 1);
    panels.push_back(boot.substr(at + 1, close - at - 1));
    at = close;
  }
  panels.emplace_back("health");
  REQUIRE(panels.size() == 10);
  std::string expected;
  for (const auto& p : panels) {
    if (!expected.empty()) expected += ", ";
    expected += "</api/dashboard/" + p + ">; rel=preload; as=fetch; crossorigin";
  }
  CHECK(link == expected);
  CHECK(get(r, "/").header("Link") == link);
  CHECK(get(r, "/dashboard", std::string{page.header("ETag").value_or("")}).status == 304);
  // Another view asks for other answers; other pages for none.
  CHECK_FALSE(get(r, "/dashboard?days=7").header("Link").has_value());
  CHECK_FALSE(get(r, "/?product=P1").header("Link").has_value());
  CHECK_FALSE(get(r, "/pipeline").header("Link").has_value());
}

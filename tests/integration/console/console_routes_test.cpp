// The console's pages and files through the built binary's admin listener: security headers,
// validators, HEAD, unknown files, and the admin credentials in front of all of it.

#include <gadgetgrove/console/console.hpp>

#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gg::test::http_client;
using gg::test::http_reply;
using gg::test::serve_process;
using gg::test::temp_dir;

namespace {

void require_ready(serve_process& serve) {
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  if (!ready) FAIL(why);
}

void check_console_headers(const http_reply& r) {
  CHECK(r.header("Content-Security-Policy") ==
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("Referrer-Policy") == "same-origin");
}

}  // namespace

TEST_CASE("the pipeline page and its files are served with CSP, ETag, 304 and HEAD",
          "[integration][console]") {
  temp_dir dir("gg-console-routes");
  serve_process serve(dir / "data", {"--traffic", "off"});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);

  const auto page = admin.get("/pipeline");
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(page.header("Cache-Control") == "no-cache");
  check_console_headers(page);
  // Rendered with the shared header, its own link marked, no template left.
  CHECK(page.body.find(R"(href="/pipeline" data-page="pipeline" aria-current="page")") !=
        std::string::npos);
  CHECK(page.body.find(R"(href="/dashboard")") != std::string::npos);
  CHECK(page.body.find("{{") == std::string::npos);
  CHECK(page.body.find("<script type=\"module\" src=\"" +
                       gg::console::versioned_asset_path("pipeline.js") + "\"></script>") !=
        std::string::npos);
  const auto etag = page.header("ETag").value_or("");
  REQUIRE(etag.size() == 22);

  const auto again = admin.get("/pipeline", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("ETag") == etag);
  check_console_headers(again);
  CHECK(admin.get("/pipeline", {{"If-None-Match", "\"other\""}}).status == 200);
  CHECK(admin.get("/pipeline", {{"If-None-Match", "W/" + etag}}).status == 304);

  // HEAD: the head of the GET answer, no body (read as a HEAD reply, not by Content-Length).
  http_client raw(serve.endpoints().admin_port);
  raw.send_raw(http_client::format_request("HEAD", "/console/pipeline.js"));
  const auto js_head = raw.read_reply(true);
  CHECK(js_head.status == 200);
  CHECK(js_head.body.empty());
  const auto* js = gg::console::console_assets().find("pipeline.js");
  REQUIRE(js != nullptr);
  CHECK(js_head.header("Content-Length") == std::to_string(js->body.size()));
  CHECK(js_head.header("ETag") == std::string{js->etag});
  check_console_headers(js_head);

  int compressed = 0;
  for (const auto& a : gg::console::console_assets()) {
    CAPTURE(a.path);
    const std::string url = "/console/" + std::string{a.path};
    if (a.path.ends_with(".gz")) {
      // A compressed copy is served only as the gzip encoding of its file, never by its name.
      ++compressed;
      const std::string_view plain_name = a.path.substr(0, a.path.size() - 3);
      const auto* plain = gg::console::console_assets().find(plain_name);
      REQUIRE(plain != nullptr);
      CHECK(admin.get(url).status == 404);
      const auto zipped = admin.get("/console/" + std::string{plain_name},
                                    {{"Accept-Encoding", "gzip, deflate, br"}});
      CHECK(zipped.status == 200);
      CHECK(zipped.header("Content-Encoding") == "gzip");
      CHECK(zipped.header("Vary") == "Accept-Encoding");
      CHECK(zipped.header("Content-Type") == std::string{plain->content_type});
      CHECK(zipped.header("ETag") == std::string{a.etag});
      CHECK(zipped.body == a.body);
      check_console_headers(zipped);
      // Refused gzip (q=0): the identity bytes, with the identity ETag.
      const auto identity =
          admin.get("/console/" + std::string{plain_name}, {{"Accept-Encoding", "gzip;q=0"}});
      CHECK(identity.status == 200);
      CHECK_FALSE(identity.header("Content-Encoding").has_value());
      CHECK(identity.header("ETag") == std::string{plain->etag});
      CHECK(identity.body == plain->body);
      continue;
    }
    if (a.path.ends_with(".html")) {
      // Pages are served rendered at their own path, never by their file name.
      CHECK(admin.get(url).status == 404);
      continue;
    }
    const auto r = admin.get(url);
    CHECK(r.status == 200);
    CHECK(r.body == a.body);
    CHECK(r.header("Content-Type") == std::string{a.content_type});
    CHECK(r.header("ETag") == std::string{a.etag});
    CHECK(r.header("Cache-Control") == "no-cache");
    check_console_headers(r);
    CHECK(admin.get(url, {{"If-None-Match", std::string{a.etag}}}).status == 304);
    // Under this build's version: the same file, cached for good.
    const auto kept = admin.get(gg::console::versioned_asset_path(a.path));
    CHECK(kept.status == 200);
    CHECK(kept.body == a.body);
    CHECK(kept.header("ETag") == std::string{a.etag});
    CHECK(kept.header("Cache-Control") == "public, max-age=31536000, immutable");
    check_console_headers(kept);
  }
  // The charting library is embedded with its gzip copy.
  CHECK(compressed >= 1);

  const std::string version{gg::console::console_assets().version()};
  for (const std::string& missing : std::vector<std::string>{
           "/console/nope.js", "/console/", "/console/pipeline.html", "/console/header.html",
           "/console/../pipeline", "/console/console.css/x", "/console/v/", "/console/v/x",
           "/console/v/" + version, "/console/v/" + version + "/",
           "/console/v/" + version + "/nope.js", "/console/v/" + version + "/pipeline.html",
           "/console/v/0123456789abcdef0123/console.css", "/console/v//console.css",
           "/console/v/" + version + "x/console.css"}) {
    CAPTURE(missing);
    const auto r = admin.get(missing);
    CHECK(r.status == 404);
    check_console_headers(r);
  }
  // The console is on the admin listener only.
  http_client shop(serve.endpoints().public_port);
  CHECK(shop.get("/console/pipeline.js").status == 404);
  // Only GET and HEAD.
  CHECK(admin.post("/pipeline", "{}").status >= 400);
}

TEST_CASE("with an admin token the console pages and files need it too", "[integration][console]") {
  temp_dir dir("gg-console-token");
  serve_process serve(dir / "data", {"--traffic", "off"},
                      {{"GADGETGROVE_ADMIN_TOKEN", "console-t0ken"}});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);
  for (const char* path :
       {"/pipeline", "/console/pipeline.js", "/console/console.css", "/console/nope.js"}) {
    CAPTURE(path);
    CHECK(admin.get(path).status == 401);
    CHECK(admin.get(path, {{"Authorization", "Bearer wrong"}}).status == 401);
  }
  const auto ok = admin.get("/pipeline", {{"Authorization", "Bearer console-t0ken"}});
  CHECK(ok.status == 200);
  check_console_headers(ok);
  CHECK(admin.get("/console/pipeline.js", {{"Authorization", "Bearer console-t0ken"}}).status ==
        200);
}

TEST_CASE(
    "the dashboard is served at / and /dashboard with its charting library, and the "
    "shop's /analytics leads there",
    "[integration][console][dashboard]") {
  temp_dir dir("gg-console-dashboard");
  serve_process serve(dir / "data", {"--traffic", "off"});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);

  std::string etag;
  for (const char* path : {"/", "/dashboard"}) {
    CAPTURE(path);
    const auto page = admin.get(path);
    REQUIRE(page.status == 200);
    CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
    check_console_headers(page);
    CHECK(page.body.find("<h1>GadgetGrove Analytics Dashboard</h1>") != std::string::npos);
    CHECK(page.body.find(R"(href="/dashboard" data-page="dashboard" aria-current="page")") !=
          std::string::npos);
    CHECK(page.body.find("<script type=\"module\" src=\"" +
                         gg::console::versioned_asset_path("dashboard.js") + "\"></script>") !=
          std::string::npos);
    CHECK(page.body.find("{{") == std::string::npos);
    // Every file the page names is this build's, cached for good; the charting library too.
    const std::string versioned = gg::console::versioned_asset_path("");
    int named = 0;
    for (auto at = page.body.find("\"" + versioned); at != std::string::npos;
         at = page.body.find("\"" + versioned, at + 1)) {
      const std::string url = page.body.substr(at + 1, page.body.find('"', at + 1) - at - 1);
      CAPTURE(url);
      const auto file = admin.get(url, {{"Accept-Encoding", "gzip"}});
      CHECK(file.status == 200);
      CHECK(file.header("Cache-Control") == "public, max-age=31536000, immutable");
      ++named;
    }
    CHECK(named >= 8);
    CHECK(page.body.find("\"" + versioned + "vendor/echarts.dashboard.min.js\"") !=
          std::string::npos);
    // One page, one validator, wherever it is served.
    if (etag.empty()) etag = page.header("ETag").value_or("");
    CHECK(page.header("ETag") == etag);
  }
  CHECK(admin.get("/dashboard", {{"If-None-Match", etag}}).status == 304);

  // The library npm installed and esbuild bundled at build time, with its licences, from the
  // binary; compressed for a client that accepts gzip.
  const auto lib = admin.get("/console/vendor/echarts.dashboard.min.js");
  REQUIRE(lib.status == 200);
  CHECK(lib.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(lib.body.size() > 300'000);
  CHECK(lib.body.find("Apache Software Foundation") != std::string::npos);
  check_console_headers(lib);
  const auto packed =
      admin.get("/console/vendor/echarts.dashboard.min.js", {{"Accept-Encoding", "gzip"}});
  REQUIRE(packed.status == 200);
  CHECK(packed.header("Content-Encoding") == "gzip");
  CHECK(packed.body.size() * 2 < lib.body.size());
  CHECK(packed.header("Vary") == "Accept-Encoding");
  for (const char* file : {"echarts-LICENSE.txt", "zrender-LICENSE.txt"}) {
    const auto license = admin.get(std::string{"/console/vendor/"} + file);
    CHECK(license.status == 200);
    CHECK(license.body.find("License") != std::string::npos);
  }

  http_client shop(serve.endpoints().public_port);
  const auto analytics = shop.get("/analytics");
  CHECK(analytics.status == 307);
  CHECK(analytics.header("Location") ==
        "http://127.0.0.1:" + std::to_string(serve.endpoints().admin_port) + "/dashboard");
}

TEST_CASE(
    "with the admin listener on a wildcard, the shop's /analytics leads to the host the "
    "browser used on the admin port, refuses a malformed Host, and --dashboard-url overrides it",
    "[integration][console][shop]") {
  temp_dir dir("gg-console-analytics-wildcard");
  {
    serve_process serve(dir / "data", {"--traffic", "off", "--admin-listen", "0.0.0.0:0",
                                       "--admin-token", "wildcard-t0ken"});
    require_ready(serve);
    const std::string admin_port = std::to_string(serve.endpoints().admin_port);
    http_client shop(serve.endpoints().public_port);
    const auto named = shop.get("/analytics", {{"Host", "Shop.Example:8080"}});
    CHECK(named.status == 307);
    CHECK(named.header("Location") == "http://shop.example:" + admin_port + "/dashboard");
    CHECK(named.header("Cache-Control") == "no-store");
    CHECK(shop.get("/analytics").header("Location") ==
          "http://127.0.0.1:" + admin_port + "/dashboard");
    CHECK(shop.get("/analytics", {{"Host", "[::1]:8080"}}).header("Location") ==
          "http://[::1]:" + admin_port + "/dashboard");
    // The Host is the browser's; a value that would lead to a path or a user elsewhere, or
    // smuggle a header, is refused rather than echoed.
    for (const char* hostile : {"evil.example/phish?", "user@evil.example", "evil.example:80:1",
                                "%65vil.example", "a b"}) {
      CAPTURE(hostile);
      const auto r =
          http_client(serve.endpoints().public_port).get("/analytics", {{"Host", hostile}});
      CHECK(r.status == 400);
      CHECK_FALSE(r.header("Location").has_value());
      CHECK(r.body.find("--dashboard-url") != std::string::npos);
    }
  }
  serve_process serve(dir / "data2",
                      {"--traffic", "off", "--admin-listen", "0.0.0.0:0", "--admin-token",
                       "wildcard-t0ken", "--dashboard-url", "https://dash.example/dashboard"});
  require_ready(serve);
  const auto fixed =
      http_client(serve.endpoints().public_port).get("/analytics", {{"Host", "shop.example:8080"}});
  CHECK(fixed.status == 307);
  CHECK(fixed.header("Location") == "https://dash.example/dashboard");
}

#include "static_assets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using gg::shop::find_static_asset;
using gg::shop::static_assets;

TEST_CASE("the storefront files are embedded with type and content-hash ETag", "[unit][shop]") {
  for (std::string_view path : {"index.html", "app.js", "app.css", "tracker.js", "cart.js",
                                "art.js", "dom.js", "format.js", "favicon.svg"}) {
    CAPTURE(path);
    const auto* a = find_static_asset(path);
    REQUIRE(a != nullptr);
    CHECK(!a->body.empty());
    CHECK(a->etag.size() == 22);
    CHECK(a->etag.front() == '"');
    CHECK(a->etag.back() == '"');
  }
  CHECK(find_static_asset("app.js")->content_type == "text/javascript; charset=utf-8");
  CHECK(find_static_asset("app.css")->content_type == "text/css; charset=utf-8");
  CHECK(find_static_asset("favicon.svg")->content_type == "image/svg+xml");
  CHECK(find_static_asset("index.html")->content_type == "text/html; charset=utf-8");
  CHECK(find_static_asset("missing.js") == nullptr);
  CHECK(find_static_asset("") == nullptr);
  CHECK(find_static_asset("../app.js") == nullptr);
  CHECK(std::is_sorted(static_assets().begin(), static_assets().end(),
                       [](const auto& a, const auto& b) { return a.path < b.path; }));
}

TEST_CASE("the storefront has no inline script and builds no HTML from strings", "[unit][shop]") {
  const std::string html{find_static_asset("index.html")->body};
  // Every <script> either loads a file or holds JSON data: the CSP forbids inline script.
  std::size_t at = 0;
  int scripts = 0;
  while ((at = html.find("<script", at)) != std::string::npos) {
    const auto end = html.find('>', at);
    const std::string tag = html.substr(at, end - at);
    CHECK((tag.find("src=\"/static/") != std::string::npos ||
           tag.find("type=\"application/json\"") != std::string::npos));
    ++scripts;
    at = end;
  }
  CHECK(scripts == 2);
  CHECK(html.find(" style=") == std::string::npos);
  CHECK(html.find(" onclick=") == std::string::npos);
  for (const auto& a : static_assets()) {
    if (!a.path.ends_with(".js")) continue;
    CAPTURE(a.path);
    CHECK(a.body.find("innerHTML") == std::string_view::npos);
    CHECK(a.body.find("outerHTML") == std::string_view::npos);
    CHECK(a.body.find("insertAdjacentHTML") == std::string_view::npos);
    CHECK(a.body.find("document.write") == std::string_view::npos);
    CHECK(a.body.find("eval(") == std::string_view::npos);
  }
}

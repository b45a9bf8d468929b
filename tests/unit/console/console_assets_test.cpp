#include <gadgetgrove/console/console.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <string>

using gg::console::console_assets;

TEST_CASE("the console's files are embedded, typed and sorted", "[unit][console]") {
  for (std::string_view path :
       {"console.css", "console.js", "format.js", "markdown.js", "pipeline.html", "pipeline.js",
        "header.html", "favicon.svg", "dashboard.html", "dashboard.js", "dashboard_boot.js",
        "dashboard_state.js", "dashboard_charts.js", "vendor/echarts.dashboard.min.js",
        "vendor/echarts.dashboard.min.js.gz", "vendor/echarts-LICENSE.txt",
        "vendor/echarts-NOTICE.txt", "vendor/zrender-LICENSE.txt"}) {
    CAPTURE(path);
    const auto* a = console_assets().find(path);
    REQUIRE(a != nullptr);
    CHECK(!a->body.empty());
    CHECK(a->etag.size() == 22);
    // The build (cmake/embed_assets.cmake) and the server compute the same validator.
    CHECK(a->etag == gg::http::content_etag(a->body));
  }
  CHECK(console_assets().find("pipeline.js")->content_type == "text/javascript; charset=utf-8");
  CHECK(console_assets().find("console.css")->content_type == "text/css; charset=utf-8");
  CHECK(console_assets().find("favicon.svg")->content_type == "image/svg+xml");
  CHECK(console_assets().find("nope.js") == nullptr);
  CHECK(std::is_sorted(console_assets().begin(), console_assets().end(),
                       [](const auto& a, const auto& b) { return a.path < b.path; }));
}

// The CSP (script-src 'self'; style-src 'self') would block inline script and style: none may
// be written, or the page breaks silently in the browser.
TEST_CASE("no console file has inline script, inline style or HTML built from strings",
          "[unit][console]") {
  const std::regex inline_handler(R"(\son[a-z]+\s*=)", std::regex::icase);
  for (const auto& a : console_assets()) {
    CAPTURE(a.path);
    const std::string body{a.body};
    if (a.path.ends_with(".html")) {
      std::size_t at = 0;
      while ((at = body.find("<script", at)) != std::string::npos) {
        const auto end = body.find('>', at);
        const std::string tag = body.substr(at, end - at);
        // A file of the console, under the build's version ({{assets}}, see page_template).
        CHECK(tag.find("src=\"{{assets}}/") != std::string::npos);
        CHECK(body.substr(end + 1, 9) == "</script>");
        at = end;
      }
      CHECK(body.find("<style") == std::string::npos);
      CHECK(body.find(" style=") == std::string::npos);
      CHECK_FALSE(std::regex_search(body, inline_handler));
      CHECK(body.find("javascript:") == std::string::npos);
    }
    // vendor/ holds the charting library as npm ships it, bundled: not our code, and its HTML
    // tooltips are switched off (dashboard_charts.js); the browser test watches for CSP
    // violations it might still cause.
    if (a.path.ends_with(".js") && !a.path.starts_with("vendor/")) {
      for (const char* banned :
           {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
            "new Function", ".style.", "setAttribute('style'", "setAttribute('on"}) {
        CAPTURE(banned);
        CHECK(body.find(banned) == std::string::npos);
      }
    }
  }
}

TEST_CASE("the charting library is embedded compressed too, and the copy inflates to it",
          "[unit][console]") {
  const auto* lib = console_assets().find("vendor/echarts.dashboard.min.js");
  const auto* gz = console_assets().find("vendor/echarts.dashboard.min.js.gz");
  REQUIRE(lib != nullptr);
  REQUIRE(gz != nullptr);
  // gzip's magic bytes and method (deflate), and a real saving.
  REQUIRE(gz->body.size() > 10);
  CHECK(static_cast<unsigned char>(gz->body[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(gz->body[1]) == 0x8b);
  CHECK(gz->body[2] == 8);
  CHECK(gz->body.size() * 2 < lib->body.size());
  // ISIZE, the last four bytes: the uncompressed length modulo 2^32, little-endian.
  const auto* tail = reinterpret_cast<const unsigned char*>(gz->body.data() + gz->body.size() - 4);
  const std::uint32_t isize =
      tail[0] | (tail[1] << 8) | (tail[2] << 16) | (static_cast<std::uint32_t>(tail[3]) << 24);
  CHECK(isize == lib->body.size());
  CHECK(gz->etag != lib->etag);
}

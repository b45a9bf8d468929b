#include <gadgetgrove/console/console.hpp>

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using gg::http::route_match;
using gg::http::verb;

namespace {

/// Dispatches GET `target` through `r` in process, as the server would.
gg::http::response get(const gg::http::router& r, std::string target,
                       std::string if_none_match = {}) {
  gg::http::request req;
  req.method = verb::get;
  req.target = std::move(target);
  if (!if_none_match.empty()) req.headers.add("If-None-Match", if_none_match);
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

#include <gadgetgrove/http/router.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

namespace {

using gg::http::request;
using gg::http::responder;
using gg::http::route_match;
using gg::http::router;
using gg::http::verb;

/// A handler that records its name in the response body, so a test can tell which one matched.
gg::http::handler named(std::string name) {
  return [name = std::move(name)](request&&, responder r) {
    std::move(r).send(gg::http::response::text(200, name));
  };
}

/// Runs the matched handler and returns the body it answered.
std::string run(const route_match& m, verb method = verb::get) {
  REQUIRE(m.result == route_match::outcome::found);
  REQUIRE(m.target != nullptr);
  std::string body;
  request req;
  req.method = method;
  (*m.target)(std::move(req),
              responder::to_function([&](gg::http::response&& r) { body = r.body; }));
  return body;
}

}  // namespace

TEST_CASE("an exact route matches only its own path", "[unit][http]") {
  router r;
  r.add(verb::get, "/api/products", named("products"));
  CHECK(run(r.match(verb::get, "/api/products")) == "products");
  CHECK(r.match(verb::get, "/api/products/").result == route_match::outcome::not_found);
  CHECK(r.match(verb::get, "/api/product").result == route_match::outcome::not_found);
  CHECK(r.match(verb::get, "/").result == route_match::outcome::not_found);
}

TEST_CASE("a path registered for another method answers 405 with Allow", "[unit][http]") {
  router r;
  r.add(verb::post, "/api/analytics", named("ingest"));
  r.add(verb::get, "/api/analytics", named("stats"));
  r.add(verb::post, "/checkout", named("checkout"));
  const auto m = r.match(verb::put, "/api/analytics");
  CHECK(m.result == route_match::outcome::method_not_allowed);
  CHECK(m.allow == "GET, HEAD, POST");
  CHECK(m.target == nullptr);
  CHECK(r.match(verb::get, "/checkout").allow == "POST");
}

TEST_CASE("HEAD uses the GET handler unless a HEAD handler exists", "[unit][http]") {
  router r;
  r.add(verb::get, "/a", named("get-a"));
  r.add(verb::get, "/b", named("get-b"));
  r.add(verb::head, "/b", named("head-b"));
  CHECK(run(r.match(verb::head, "/a"), verb::head) == "get-a");
  CHECK(run(r.match(verb::head, "/b"), verb::head) == "head-b");
  r.add(verb::post, "/c", named("post-c"));
  CHECK(r.match(verb::head, "/c").result == route_match::outcome::method_not_allowed);
}

TEST_CASE("the longest prefix wins and exact routes beat prefixes", "[unit][http]") {
  router r;
  r.add_prefix(verb::get, "/static/", named("static"));
  r.add_prefix(verb::get, "/static/img/", named("images"));
  r.add_prefix(verb::get, "/", named("spa"));
  r.add(verb::get, "/static/special.js", named("special"));
  CHECK(run(r.match(verb::get, "/static/app.js")) == "static");
  CHECK(run(r.match(verb::get, "/static/img/logo.png")) == "images");
  CHECK(run(r.match(verb::get, "/static/special.js")) == "special");
  CHECK(run(r.match(verb::get, "/category/laptops")) == "spa");
}

TEST_CASE("a more specific route without the method falls through to one that has it",
          "[unit][http]") {
  router r;
  r.add(verb::post, "/api/session/end", named("end"));
  r.add_prefix(verb::get, "/api/", named("api-get"));
  CHECK(run(r.match(verb::get, "/api/session/end")) == "api-get");
  CHECK(run(r.match(verb::post, "/api/session/end")) == "end");
  const auto m = r.match(verb::del, "/api/session/end");
  CHECK(m.result == route_match::outcome::method_not_allowed);
  CHECK(m.allow == "GET, HEAD, POST");
}

TEST_CASE("pattern segments capture decoded path parameters", "[unit][http]") {
  router r;
  r.add(verb::get, "/category/{slug}/product/{id}", named("product"));
  r.add(verb::get, "/category/{slug}", named("category"));
  const auto m = r.match(verb::get, "/category/smart%20phones/product/SM-1a2b3c4d");
  CHECK(run(m) == "product");
  REQUIRE(m.params.size() == 2);
  CHECK(m.params[0] == std::pair<std::string, std::string>{"slug", "smart phones"});
  CHECK(m.params[1] == std::pair<std::string, std::string>{"id", "SM-1a2b3c4d"});
  CHECK(run(r.match(verb::get, "/category/laptops")) == "category");
  CHECK(r.match(verb::get, "/category/").result == route_match::outcome::not_found);
  CHECK(r.match(verb::get, "/category/a/product").result == route_match::outcome::not_found);
  CHECK(r.match(verb::get, "/category/a/product/b/c").result == route_match::outcome::not_found);
}

TEST_CASE("the fallback handles unmatched paths of any method", "[unit][http]") {
  router r;
  r.add(verb::get, "/known", named("known"));
  CHECK(r.match(verb::get, "/unknown").result == route_match::outcome::not_found);
  r.set_fallback(named("fallback"), {.body_limit = 10});
  const auto m = r.match(verb::post, "/unknown");
  CHECK(run(m, verb::post) == "fallback");
  CHECK(m.body_limit == 10);
  CHECK(r.match(verb::post, "/known").result == route_match::outcome::method_not_allowed);
}

TEST_CASE("each route carries its own body limit", "[unit][http]") {
  router r;
  r.add(verb::post, "/small", named("small"), {.body_limit = 16});
  r.add(verb::post, "/large", named("large"), {.body_limit = 1 << 20});
  r.add(verb::post, "/default", named("default"));
  CHECK(r.match(verb::post, "/small").body_limit == 16);
  CHECK(r.match(verb::post, "/large").body_limit == (1u << 20));
  CHECK(r.match(verb::post, "/default").body_limit == 64 * 1024);
}

TEST_CASE("duplicate routes and relative paths are rejected at set-up", "[unit][http]") {
  router r;
  r.add(verb::get, "/a", named("a"));
  CHECK_THROWS_AS(r.add(verb::get, "/a", named("again")), std::invalid_argument);
  CHECK_NOTHROW(r.add(verb::post, "/a", named("post")));
  CHECK_THROWS_AS(r.add(verb::get, "a", named("relative")), std::invalid_argument);
  CHECK_THROWS_AS(r.add_prefix(verb::get, "", named("empty")), std::invalid_argument);
  r.add(verb::get, "/p/{x}", named("p"));
  CHECK_THROWS_AS(r.add(verb::get, "/p/{x}", named("p2")), std::invalid_argument);
  CHECK_THROWS_AS(r.add(verb::get, "/q/{}", named("q")), std::invalid_argument);
}

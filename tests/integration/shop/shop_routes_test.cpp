#include "shop_server.hpp"

#include "html_escape.hpp"
#include "static_assets.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace std::chrono_literals;
using gg::shop::test::cookie_pair;
using gg::shop::test::json_doc;
using gg::shop::test::shop_server;
using gg::shop::test::test_config;

constexpr std::string_view csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

std::string title_of(const std::string& html) {
  const auto a = html.find("<title>");
  const auto b = html.find("</title>");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  return html.substr(a + 7, b - a - 7);
}

void check_not_found(const gg::test::http_reply& r) {
  CHECK(r.status == 404);
  CHECK(r.header("Content-Type") == "application/json");
  json_doc doc(r.body);
  CHECK(doc.str("status") == "error");
  CHECK(doc.str("error") == "not found");
}

}  // namespace

TEST_CASE("the storefront is served at / with its security headers", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto r = c.get("/");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(r.header("Content-Security-Policy") == std::string{csp});
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("Cache-Control") == "no-cache");
  CHECK(r.body.find(R"(<script type="module" src="/static/app.js">)") != std::string::npos);
  CHECK(r.body.find(R"(id="initial-state">{"categories":)") != std::string::npos);
  CHECK(title_of(r.body) == "GadgetGrove \xc2\xb7 Gadgets worth keeping");
  REQUIRE(r.header("ETag"));

  const auto again = c.get("/", {{"If-None-Match", *r.header("ETag")}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("ETag") == r.header("ETag"));
}

TEST_CASE("deep links serve the single-page app with the page's own title", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto& p = s.shop().products().products()[6];
  const auto category = c.get("/category/" + p.category_slug);
  CHECK(category.status == 200);
  CHECK(title_of(category.body) == p.category + " \xc2\xb7 GadgetGrove");

  const auto product = c.get("/category/" + p.category_slug + "/product/" + p.id);
  CHECK(product.status == 200);
  CHECK(title_of(product.body) == gg::shop::html_escape(p.name) + " \xc2\xb7 GadgetGrove");
  CHECK(product.header("Content-Security-Policy") == std::string{csp});

  // Unknown names still get the app, which shows its own not-found view.
  const auto unknown = c.get("/category/toasters/product/TO-00000000");
  CHECK(unknown.status == 200);
  CHECK(title_of(unknown.body) == "GadgetGrove \xc2\xb7 Gadgets worth keeping");
  const auto other = c.get("/some/client/route");
  CHECK(other.status == 200);
  CHECK(other.header("Content-Type") == "text/html; charset=utf-8");
}

TEST_CASE("paths with a dot or under /api/ that match nothing are 404 JSON",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  check_not_found(c.get("/favicon.ico"));
  check_not_found(c.get("/robots.txt"));
  check_not_found(c.get("/category/phones/x.php"));
  check_not_found(c.get("/wp%2eadmin"));
  check_not_found(c.get("/api/nothing"));
  check_not_found(c.get("/api"));
  check_not_found(c.get("/static/missing.js"));
  check_not_found(c.get("/static/index.html"));
  check_not_found(c.post("/some/client/route", "{}"));
  const auto r = c.get("/api/nothing");
  CHECK(r.header("Cache-Control") == "no-store");
}

TEST_CASE("/shop and /analytics redirect", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto shop = c.get("/shop");
  CHECK(shop.status == 307);
  CHECK(shop.header("Location") == "/");
  const auto analytics = c.get("/analytics");
  CHECK(analytics.status == 307);
  CHECK(analytics.header("Location") == "http://127.0.0.1:8050/");
  s.shop().set_dashboard_url("http://127.0.0.1:9999/dashboard");
  CHECK(c.get("/analytics").header("Location") == "http://127.0.0.1:9999/dashboard");
}

TEST_CASE("static assets carry a content ETag, long caching and 304 revalidation",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto* asset = gg::shop::find_static_asset("tracker.js");
  REQUIRE(asset != nullptr);
  const auto r = c.get("/static/tracker.js");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(r.header("ETag") == std::string{asset->etag});
  CHECK(r.header("Cache-Control") == "public, max-age=3600");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.body == asset->body);

  CHECK(c.get("/static/tracker.js", {{"If-None-Match", std::string{asset->etag}}}).status == 304);
  CHECK(c.get("/static/tracker.js", {{"If-None-Match", "\"x\", W/" + std::string{asset->etag}}})
            .status == 304);
  CHECK(c.get("/static/tracker.js", {{"If-None-Match", "*"}}).status == 304);
  CHECK(c.get("/static/tracker.js", {{"If-None-Match", "\"stale\""}}).status == 200);
  CHECK(c.get("/static/app.css").header("Content-Type") == "text/css; charset=utf-8");
}

TEST_CASE("HEAD gets the headers of GET without a body", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  c.send_raw(gg::test::http_client::format_request("HEAD", "/static/app.js"));
  const auto r = c.read_reply(/*head_request=*/true);
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.header("Content-Length") ==
        std::to_string(gg::shop::find_static_asset("app.js")->body.size()));
}

TEST_CASE("/api/products lists the catalog, filtered by category", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto all = c.get("/api/products");
  CHECK(all.status == 200);
  CHECK(all.header("Content-Type") == "application/json");
  CHECK(all.header("Cache-Control") == "no-store");
  {
    json_doc doc(all.body);
    simdjson::dom::array products;
    REQUIRE(doc.root["products"].get_array().get(products) == simdjson::SUCCESS);
    CHECK(products.size() == s.shop().products().products().size());
    simdjson::dom::object first;
    REQUIRE(products.at(0).get_object().get(first) == simdjson::SUCCESS);
    for (const char* key :
         {"id", "name", "price", "category", "brand", "color", "features", "rating", "in_stock"}) {
      CAPTURE(key);
      CHECK(first[key].error() == simdjson::SUCCESS);
    }
  }
  for (const char* key : {"laptops", "Laptops", "LAPTOPS"}) {
    CAPTURE(key);
    json_doc doc(c.get(std::string{"/api/products?category="} + key).body);
    simdjson::dom::array products;
    REQUIRE(doc.root["products"].get_array().get(products) == simdjson::SUCCESS);
    CHECK(products.size() == s.shop().products().in_category("laptops").size());
    for (auto p : products) CHECK(std::string_view{p["category"].get_string()} == "Laptops");
  }
  CHECK(c.get("/api/products?category=toasters").body == R"({"products":[]})");
  CHECK(c.get("/api/products?category=").body == all.body);
}

TEST_CASE("GET /api/session creates a session with a hardened cookie and keeps it",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto first = c.get("/api/session");
  CHECK(first.status == 200);
  CHECK(first.header("Cache-Control") == "no-store");
  const auto set_cookie = first.header("Set-Cookie");
  REQUIRE(set_cookie);
  CHECK(set_cookie->rfind("gadgetgrove_session=", 0) == 0);
  CHECK(cookie_pair(*set_cookie).size() == std::string_view{"gadgetgrove_session="}.size() + 43);
  CHECK(set_cookie->find("; HttpOnly") != std::string::npos);
  CHECK(set_cookie->find("; SameSite=Lax") != std::string::npos);
  CHECK(set_cookie->find("; Path=/") != std::string::npos);
  CHECK(set_cookie->find("; Max-Age=1800") != std::string::npos);
  CHECK(set_cookie->find("Secure") == std::string::npos);

  json_doc doc(first.body);
  const auto id = doc.str("session_id");
  CHECK(id.size() == 36);
  CHECK(doc.str("session_id") != cookie_pair(*set_cookie).substr(20));
  CHECK(doc.root["new"].get_bool().value() == true);
  CHECK(doc.str("created_at").size() == 24);
  CHECK(doc.str("expires_at").size() == 24);
  CHECK(doc.root["expires_in"].get_int64().value() >= 1799);
  std::string_view email = doc.root["user"]["email"].get_string().value();
  CHECK(email.ends_with("@example.com"));
  CHECK(doc.root["user"]["address"]["city"].error() == simdjson::SUCCESS);
  CHECK(first.body.find("card") == std::string::npos);

  const auto second = c.get("/api/session", {{"Cookie", cookie_pair(*set_cookie)}});
  json_doc again(second.body);
  CHECK(again.str("session_id") == id);
  CHECK(again.root["new"].get_bool().value() == false);
}

TEST_CASE("a flood of cookieless requests does not log out a shopper with a cart",
          "[integration][shop]") {
  auto config = test_config();
  config.session_cap = 50;
  config.session_fresh_per_address = 10'000;
  shop_server s(config);
  auto c = s.client();
  const auto created = c.get("/api/session");
  REQUIRE(created.status == 200);
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  json_doc session(created.body);
  // The shopper browses with the cookie (a cart lives in the browser, tied to the session).
  REQUIRE(c.get("/api/session", {{"Cookie", cookie}}).status == 200);
  for (int i = 0; i < 500; ++i) REQUIRE(c.get("/api/session").status == 200);
  const auto after = c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}});
  CHECK(after.status == 200);
  CHECK(json_doc(after.body).str("session_id") == session.str("session_id"));
}

TEST_CASE("one address gets 429 past its sessions never used again, shoppers keep theirs",
          "[integration][shop]") {
  auto config = test_config();
  config.session_fresh_per_address = 20;
  config.session_limit_loopback = true;  // the test's client is on loopback
  shop_server s(config);
  auto c = s.client();
  const auto created = c.get("/api/session");
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  REQUIRE(c.get("/api/session", {{"Cookie", cookie}}).status == 200);
  for (int i = 0; i < 20; ++i) REQUIRE(c.get("/api/session").status == 200);
  const auto refused = c.get("/api/session");
  CHECK(refused.status == 429);
  CHECK(refused.header("Retry-After").has_value());
  CHECK_FALSE(refused.header("Set-Cookie").has_value());
  CHECK(c.get("/api/session", {{"Cookie", cookie}}).status == 200);
}

TEST_CASE("loopback clients are not limited by address unless configured", "[integration][shop]") {
  auto config = test_config();
  config.session_fresh_per_address = 5;
  shop_server s(config);
  auto c = s.client();
  for (int i = 0; i < 20; ++i) REQUIRE(c.get("/api/session").status == 200);
}

TEST_CASE("the session cookie is Secure when configured", "[integration][shop]") {
  auto config = gg::shop::test::test_config();
  config.cookie_secure = true;
  shop_server s(config);
  auto c = s.client();
  const auto r = c.get("/api/session");
  CHECK(r.header("Set-Cookie")->find("; Secure") != std::string::npos);
}

TEST_CASE("a session expires after 30 idle minutes and refresh slides it", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto created = c.get("/api/session");
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  const std::string id = json_doc(created.body).str("session_id");

  s.clock.advance(20min);
  const auto refreshed =
      c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}});
  CHECK(refreshed.status == 200);
  CHECK(json_doc(refreshed.body).str("session_id") == id);
  CHECK(refreshed.header("Set-Cookie")->find("Max-Age=1800") != std::string::npos);

  s.clock.advance(20min);  // 40 minutes old, 20 idle: still alive
  CHECK(json_doc(c.get("/api/session", {{"Cookie", cookie}}).body).str("session_id") == id);

  s.clock.advance(31min);  // idle too long: a new session replaces it
  const auto replaced = c.get("/api/session", {{"Cookie", cookie}});
  CHECK(json_doc(replaced.body).str("session_id") != id);
  CHECK(c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}}).status == 400);
}

TEST_CASE("ending a session clears the cookie, and without one it is a 400",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto none = c.post("/api/session/end", "");
  CHECK(none.status == 400);
  CHECK(json_doc(none.body).str("status") == "error");
  CHECK(c.post("/api/session/refresh", "").status == 400);

  const auto created = c.get("/api/session");
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  const auto ended = c.post("/api/session/end", "", "application/json", {{"Cookie", cookie}});
  CHECK(ended.status == 200);
  json_doc doc(ended.body);
  CHECK(doc.str("status") == "ended");
  CHECK(doc.str("session_id") == json_doc(created.body).str("session_id"));
  const auto cleared = ended.header("Set-Cookie");
  REQUIRE(cleared);
  CHECK(cleared->rfind("gadgetgrove_session=;", 0) == 0);
  CHECK(cleared->find("Max-Age=0") != std::string::npos);
  CHECK(c.post("/api/session/end", "", "application/json", {{"Cookie", cookie}}).status == 400);
}

TEST_CASE("cross-site session changes are refused", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto created = c.get("/api/session");
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  const auto r = c.post("/api/session/end", "", "application/json",
                        {{"Cookie", cookie}, {"Origin", "https://evil.example"}});
  CHECK(r.status == 403);
  const auto same = c.post("/api/session/refresh", "", "application/json",
                           {{"Cookie", cookie},
                            {"Host", "127.0.0.1:" + std::to_string(s.port())},
                            {"Origin", "http://127.0.0.1:" + std::to_string(s.port())}});
  CHECK(same.status == 200);
}

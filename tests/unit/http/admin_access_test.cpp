#include <gadgetgrove/http/admin_access.hpp>

#include <gadgetgrove/http/basic_auth.hpp>

#include <catch2/catch.hpp>

#include <string>

using gg::http::admin_access;
using gg::http::admin_access_options;
using gg::http::request;
using gg::http::verb;

namespace {

request make(verb method, std::string target, std::string host = "127.0.0.1:8050") {
  request r;
  r.method = method;
  r.target = std::move(target);
  if (!host.empty()) r.headers.add("Host", host);
  return r;
}

admin_access with(std::string token, std::string password) {
  admin_access_options o;
  o.token = std::move(token);
  o.password = std::move(password);
  return admin_access(o);
}

std::string cookie_value(const std::string& set_cookie) {
  const auto eq = set_cookie.find('=');
  return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
}

}  // namespace

TEST_CASE("without credentials configured, loopback requests pass and other host names do not",
          "[unit][http]") {
  const auto a = with("", "");
  CHECK_FALSE(a.has_credentials());
  CHECK_FALSE(a.check(make(verb::get, "/api/flows")).has_value());
  CHECK_FALSE(a.check(make(verb::get, "/api/flows", "localhost:8050")).has_value());
  CHECK_FALSE(a.check(make(verb::get, "/api/flows", "[::1]:8050")).has_value());
  CHECK_FALSE(a.check(make(verb::get, "/metrics", "")).has_value());  // no Host: not a browser
  const auto rebound = a.check(make(verb::get, "/api/flows", "attacker.example:8050"));
  REQUIRE(rebound.has_value());
  CHECK(rebound->status == 403);
  // The open paths stay open whatever the Host.
  CHECK_FALSE(a.check(make(verb::get, "/healthz", "attacker.example:8050")).has_value());
}

TEST_CASE("with a token configured, requests need it as a bearer token", "[unit][http]") {
  const auto a = with("s3cret-token", "");
  auto r = make(verb::get, "/api/flows");
  auto refused = a.check(r);
  REQUIRE(refused.has_value());
  CHECK(refused->status == 401);
  CHECK(refused->header("WWW-Authenticate").value_or("").starts_with("Bearer realm="));
  r.headers.add("Authorization", "Bearer wrong");
  CHECK(a.check(r)->status == 401);
  auto ok = make(verb::get, "/api/flows", "gadgetgrove.example:8050");
  ok.headers.add("Authorization", "bearer s3cret-token");
  CHECK_FALSE(a.check(ok).has_value());
  // Unknown paths are guarded too, so nobody learns which routes exist.
  CHECK(a.check(make(verb::get, "/no/such/page"))->status == 401);
  CHECK_FALSE(a.check(make(verb::get, "/healthz")).has_value());
}

TEST_CASE("with a password configured, Basic credentials with any user name pass", "[unit][http]") {
  const auto a = with("", "hunter2");
  auto refused = a.check(make(verb::get, "/pipeline"));
  REQUIRE(refused.has_value());
  CHECK(refused->status == 401);
  CHECK(refused->header("WWW-Authenticate").value_or("").starts_with("Basic realm="));
  auto ok = make(verb::get, "/pipeline");
  ok.headers.add("Authorization", "Basic YW55b25lOmh1bnRlcjI=");  // anyone:hunter2
  CHECK_FALSE(a.check(ok).has_value());
  auto wrong = make(verb::get, "/pipeline");
  wrong.headers.add("Authorization", "Basic YW55b25lOmh1bnRlcjM=");  // anyone:hunter3
  CHECK(a.check(wrong)->status == 401);
  // A bearer token is no password.
  auto bearer = make(verb::get, "/pipeline");
  bearer.headers.add("Authorization", "Bearer hunter2");
  CHECK(a.check(bearer)->status == 401);
}

TEST_CASE("state-changing requests need the CSRF token bound to their cookie", "[unit][http]") {
  const auto a = with("", "");
  const auto grant = a.issue_csrf(make(verb::get, "/api/csrf"));
  REQUIRE(grant.set_cookie.has_value());
  CHECK(grant.set_cookie->find("HttpOnly") != std::string::npos);
  CHECK(grant.set_cookie->find("SameSite=Strict") != std::string::npos);
  const std::string cookie = cookie_value(*grant.set_cookie);

  auto post = [&](std::string cookie_field, std::string token) {
    auto r = make(verb::post, "/api/flows/load/run");
    if (!cookie_field.empty()) r.headers.add("Cookie", cookie_field);
    if (!token.empty()) r.headers.add("X-CSRF-Token", token);
    return r;
  };
  CHECK(a.check(post("", ""))->status == 403);
  CHECK(a.check(post("gadgetgrove_admin_csrf=" + cookie, ""))->status == 403);
  CHECK(a.check(post("gadgetgrove_admin_csrf=" + cookie, grant.token + "x"))->status == 403);
  CHECK(a.check(post("", grant.token))->status == 403);
  CHECK_FALSE(a.check(post("gadgetgrove_admin_csrf=" + cookie, grant.token)).has_value());

  // Another cookie has another token; the same cookie keeps its token.
  auto again = make(verb::get, "/api/csrf");
  again.headers.add("Cookie", "other=1; gadgetgrove_admin_csrf=" + cookie);
  const auto same = a.issue_csrf(again);
  CHECK_FALSE(same.set_cookie.has_value());
  CHECK(same.token == grant.token);
  const auto other = a.issue_csrf(make(verb::get, "/api/csrf"));
  CHECK(other.token != grant.token);
  CHECK(a.check(post("gadgetgrove_admin_csrf=" + cookie, other.token))->status == 403);

  // A token from another process (another key) is worthless here.
  const auto b = with("", "");
  CHECK(b.check(post("gadgetgrove_admin_csrf=" + cookie, grant.token))->status == 403);
}

TEST_CASE("a bearer-authenticated request needs no CSRF token, a Basic one does", "[unit][http]") {
  const auto a = with("tok", "pw");
  auto bearer = make(verb::post, "/api/flows/load/run");
  bearer.headers.add("Authorization", "Bearer tok");
  CHECK_FALSE(a.check(bearer).has_value());
  auto basic = make(verb::post, "/api/flows/load/run");
  basic.headers.add("Authorization", "Basic dTpwdw==");  // u:pw
  const auto refused = a.check(basic);
  REQUIRE(refused.has_value());
  CHECK(refused->status == 403);
}

TEST_CASE("cross-site requests are refused even with a valid CSRF token", "[unit][http]") {
  const auto a = with("", "");
  const auto grant = a.issue_csrf(make(verb::get, "/api/csrf"));
  const std::string cookie = "gadgetgrove_admin_csrf=" + cookie_value(*grant.set_cookie);
  auto post = [&](std::string name, std::string value) {
    auto r = make(verb::post, "/api/flows/load/run");
    r.headers.add("Cookie", cookie);
    r.headers.add("X-CSRF-Token", grant.token);
    r.headers.add(name, value);
    return r;
  };
  CHECK_FALSE(a.check(post("Origin", "http://127.0.0.1:8050")).has_value());
  CHECK_FALSE(a.check(post("Sec-Fetch-Site", "same-origin")).has_value());
  CHECK(a.check(post("Origin", "http://evil.example"))->status == 403);
  CHECK(a.check(post("Origin", "http://127.0.0.1:9999"))->status == 403);
  CHECK(a.check(post("Origin", "null"))->status == 403);
  CHECK(a.check(post("Sec-Fetch-Site", "cross-site"))->status == 403);
  CHECK(a.check(post("Sec-Fetch-Site", "same-site"))->status == 403);
}

TEST_CASE("Basic credentials decode user and password, and reject other schemes", "[unit][http]") {
  const auto c = gg::http::parse_basic_auth("Basic dXNlcjpwYTpzczp3b3Jk");  // user:pa:ss:word
  REQUIRE(c.has_value());
  CHECK(c->user == "user");
  CHECK(c->password == "pa:ss:word");
  CHECK_FALSE(gg::http::parse_basic_auth("Bearer abc").has_value());
  CHECK_FALSE(gg::http::parse_basic_auth("Basic !!!").has_value());
  char user[gg::http::max_basic_user];
  std::size_t size = 0;
  REQUIRE(gg::http::basic_auth_user("Basic dXNlcjpwYTpzczp3b3Jk", user, size));
  CHECK(std::string_view(user, size) == "user");
}

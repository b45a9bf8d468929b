#include "child_process.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using gg::test::http_client;
using gg::test::serve_process;
using gg::test::temp_dir;

namespace {

void require_ready(serve_process& serve) {
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  if (!ready) FAIL(why);
}

std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

std::string token_of(const std::string& body) {
  const std::string key = R"("token":")";
  const auto at = body.find(key);
  REQUIRE(at != std::string::npos);
  const auto start = at + key.size();
  return body.substr(start, body.find('"', start) - start);
}

}  // namespace

TEST_CASE("serve refuses an admin listener beyond loopback without credentials, exit 2",
          "[integration][flows_web]") {
  temp_dir dir("gg-admin-refuse");
  gg::test::child_process serve(gg::test::binary_path(),
                                {"serve", "--data-dir", (dir / "data").string(), "--listen",
                                 "127.0.0.1:0", "--admin-listen", "0.0.0.0:0"},
                                dir.path());
  const auto code = serve.wait(30s);
  REQUIRE(code.has_value());
  CHECK(*code == 2);
  const auto err = serve.stderr_text();
  CHECK(err.find("--admin-listen 0.0.0.0:0") != std::string::npos);
  CHECK(err.find("--admin-token") != std::string::npos);
}

TEST_CASE("with an admin token, every admin route but /healthz needs it",
          "[integration][flows_web]") {
  temp_dir dir("gg-admin-token");
  serve_process serve(dir / "data", {"--traffic", "off"},
                      {{"GADGETGROVE_ADMIN_TOKEN", "t0ken-for-tests"}});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);
  const auto refused = admin.get("/readyz");
  CHECK(refused.status == 401);
  CHECK(refused.header("WWW-Authenticate").value_or("").starts_with("Bearer"));
  CHECK(admin.get("/no/such/route").status == 401);
  CHECK(admin.get("/readyz", {{"Authorization", "Bearer wrong"}}).status == 401);
  CHECK(admin.get("/readyz", {{"Authorization", "Bearer t0ken-for-tests"}}).status == 200);
  CHECK(admin.get("/healthz").status == 200);
}

TEST_CASE("with an admin password, HTTP Basic with any user name opens the admin listener",
          "[integration][flows_web]") {
  temp_dir dir("gg-admin-password");
  serve_process serve(dir / "data", {"--traffic", "off", "--admin-password", "pa55"});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);
  const auto refused = admin.get("/metrics");
  CHECK(refused.status == 401);
  CHECK(refused.header("WWW-Authenticate").value_or("").starts_with("Basic realm="));
  CHECK(admin.get("/metrics", {{"Authorization", "Basic YW55OnBhNTU="}}).status ==
        200);  // any:pa55
  CHECK(admin.get("/metrics", {{"Authorization", "Basic YW55OnBhNTY="}}).status ==
        401);  // any:pa56
}

TEST_CASE("a POST to the admin listener needs the CSRF token of its cookie",
          "[integration][flows_web]") {
  temp_dir dir("gg-admin-csrf");
  serve_process serve(dir / "data", {"--traffic", "off"});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);
  const auto grant = admin.get("/api/csrf");
  REQUIRE(grant.status == 200);
  const auto set_cookie = grant.header("Set-Cookie").value_or("");
  CHECK(set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
  const std::string cookie = cookie_pair(set_cookie);
  const std::string token = token_of(grant.body);

  CHECK(admin.post("/api/flows/load/run", "{}").status == 403);
  CHECK(admin.post("/api/flows/load/run", "{}", "application/json", {{"Cookie", cookie}}).status ==
        403);
  CHECK(admin
            .post("/api/flows/load/run", "{}", "application/json",
                  {{"Cookie", cookie}, {"X-CSRF-Token", token + "A"}})
            .status == 403);
  CHECK(
      admin
          .post(
              "/api/flows/load/run", "{}", "application/json",
              {{"Cookie", cookie}, {"X-CSRF-Token", token}, {"Origin", "http://attacker.example"}})
          .status == 403);
  // With the cookie's token the run is accepted.
  CHECK(admin
            .post("/api/flows/load/run", "{}", "application/json",
                  {{"Cookie", cookie}, {"X-CSRF-Token", token}})
            .status == 202);
}

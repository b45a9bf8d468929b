#include <gadgetgrove/ingest/cors_policy.hpp>

#include <catch2/catch.hpp>

using gg::ingest::cors_policy;

namespace {

gg::http::request request_from(const char* origin) {
  gg::http::request r;
  r.method = gg::http::verb::options;
  r.target = "/api/analytics";
  if (origin != nullptr) r.headers.add("Origin", origin);
  return r;
}

}  // namespace

TEST_CASE("an allowed origin is echoed exactly and others get nothing", "[unit][ingest]") {
  const cors_policy p{{"https://shop.example", "http://localhost:8000"}};
  CHECK(p.allow_origin("https://shop.example") == "https://shop.example");
  CHECK(p.allow_origin("http://localhost:8000") == "http://localhost:8000");
  CHECK_FALSE(p.allow_origin("https://shop.example.evil").has_value());
  CHECK_FALSE(p.allow_origin("https://SHOP.example").has_value());
  CHECK_FALSE(p.allow_origin("").has_value());
}

TEST_CASE("a wildcard is honoured only when configured", "[unit][ingest]") {
  CHECK(cors_policy{{"*"}}.allow_origin("https://anywhere.example") == "*");
  CHECK(cors_policy{{"https://a.example", "*"}}.allow_origin("https://a.example") ==
        "https://a.example");
  CHECK_FALSE(cors_policy{{}}.allow_origin("https://anywhere.example").has_value());
}

TEST_CASE("answers carry Vary: Origin and the allowed origin", "[unit][ingest]") {
  const cors_policy p{{"https://shop.example"}};
  gg::http::response allowed;
  p.apply(request_from("https://shop.example"), allowed);
  CHECK(allowed.header("Access-Control-Allow-Origin") == "https://shop.example");
  CHECK(allowed.header("Vary") == "Origin");

  gg::http::response other;
  p.apply(request_from("https://evil.example"), other);
  CHECK_FALSE(other.header("Access-Control-Allow-Origin").has_value());
  CHECK(other.header("Vary") == "Origin");

  gg::http::response untouched;
  cors_policy{{}}.apply(request_from("https://shop.example"), untouched);
  CHECK(untouched.headers.empty());
}

TEST_CASE("a preflight from an allowed origin is answered 204 with methods, headers and max age",
          "[unit][ingest]") {
  const cors_policy p{{"https://shop.example"}, std::chrono::seconds{300}};
  const auto ok = p.preflight(request_from("https://shop.example"), "POST, OPTIONS");
  CHECK(ok.status == 204);
  CHECK(ok.header("Access-Control-Allow-Origin") == "https://shop.example");
  CHECK(ok.header("Access-Control-Allow-Methods") == "POST, OPTIONS");
  CHECK(ok.header("Access-Control-Allow-Headers") == "Content-Type, Authorization");
  CHECK(ok.header("Access-Control-Max-Age") == "300");
  CHECK(ok.header("Vary") == "Origin");

  CHECK(p.preflight(request_from("https://evil.example"), "POST").status == 403);
  CHECK(p.preflight(request_from(nullptr), "POST").status == 403);
}

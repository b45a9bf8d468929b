#include <gadgetgrove/http/response.hpp>

#include "response_head.hpp"

#include <catch2/catch.hpp>

using gg::http::error_json;
using gg::http::response;
using gg::http::detail::append_response_head;
using gg::http::detail::head_context;

TEST_CASE("error_json escapes its reason into the standard error body", "[unit][http]") {
  const auto r = error_json(400, "bad \"field\"\\ \n\x01 caf\xC3\xA9");
  CHECK(r.status == 400);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.body == R"({"status":"error","error":"bad \"field\"\\ \n\u0001 café"})");
  CHECK(error_json(404, "not found").body == R"({"status":"error","error":"not found"})");
}

TEST_CASE("error_json replaces invalid UTF-8 so the body stays valid JSON", "[unit][http]") {
  const auto body = error_json(400,
                               "a\xFF"
                               "b")
                        .body;
  const bool replaced = body == R"({"status":"error","error":"a\ufffdb"})" ||
                        body ==
                            "{\"status\":\"error\",\"error\":\"a\xEF\xBF\xBD"
                            "b\"}";
  CHECK(replaced);
}

TEST_CASE("response helpers set status, type and location", "[unit][http]") {
  const auto j = response::json(201, "{}");
  CHECK(j.status == 201);
  CHECK(j.header("Content-Type") == "application/json");
  CHECK(response::text(200, "x").header("content-type") == "text/plain; charset=utf-8");
  const auto r = response::redirect(302, "/");
  CHECK(r.status == 302);
  CHECK(r.header("location") == "/");
  CHECK(r.body.empty());
}

TEST_CASE("set_header replaces and add_header appends", "[unit][http]") {
  response r = response::json(200, "{}");
  r.set_header("content-type", "text/html");
  CHECK(r.headers.size() == 1);
  CHECK(r.header("Content-Type") == "text/html");
  r.add_header("Set-Cookie", "a=1");
  r.add_header("Set-Cookie", "b=2");
  CHECK(r.headers.size() == 3);
}

TEST_CASE("the response head carries length, date and connection from the server", "[unit][http]") {
  response r = response::text(200, "hello");
  r.add_header("Content-Length", "999");
  r.add_header("Connection", "keep-alive");
  const std::vector<gg::http::header> defaults{{"X-Frame-Options", "DENY"},
                                               {"Content-Type", "never-used"}};
  head_context ctx;
  ctx.default_headers = &defaults;
  std::string head;
  std::size_t dropped = 0;
  CHECK(append_response_head(head, r, ctx, &dropped) == 5);
  CHECK(dropped == 2);
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(head.find("999") == std::string::npos);
  CHECK(head.find("X-Frame-Options: DENY\r\n") != std::string::npos);
  CHECK(head.find("never-used") == std::string::npos);
  CHECK(head.find("\r\nDate: ") != std::string::npos);
  CHECK(head.find("Connection") == std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
}

TEST_CASE("a field that would split the response is dropped", "[unit][http]") {
  response r = response::text(200, "x");
  r.add_header("X-Evil", "a\r\nSet-Cookie: stolen=1");
  r.add_header("Bad Name", "v");
  std::string head;
  std::size_t dropped = 0;
  append_response_head(head, r, {}, &dropped);
  CHECK(dropped == 2);
  CHECK(head.find("stolen") == std::string::npos);
  CHECK(head.find("Bad Name") == std::string::npos);
}

TEST_CASE("HEAD, 204 and close shape the head and the body length", "[unit][http]") {
  std::string head;
  head_context ctx;
  ctx.head_request = true;
  CHECK(append_response_head(head, response::text(200, "12345"), ctx) == 0);
  CHECK(head.find("Content-Length: 5\r\n") != std::string::npos);

  head.clear();
  response empty;
  empty.status = 204;
  CHECK(append_response_head(head, empty, {}) == 0);
  CHECK(head.find("Content-Length") == std::string::npos);

  head.clear();
  ctx = {};
  ctx.close = true;
  append_response_head(head, response::text(200, ""), ctx);
  CHECK(head.find("Connection: close\r\n") != std::string::npos);

  head.clear();
  ctx = {};
  ctx.request_version = 10;
  append_response_head(head, response::text(200, ""), ctx);
  CHECK(head.find("Connection: keep-alive\r\n") != std::string::npos);
}

TEST_CASE("an invalid status is sent as 500", "[unit][http]") {
  response r;
  r.status = 42;
  std::string head;
  append_response_head(head, r, {});
  CHECK(head.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
}

TEST_CASE("the Date field is an IMF-fixdate", "[unit][http]") {
  const auto d = gg::http::detail::http_date_now();
  REQUIRE(d.size() == 29);
  CHECK(d.substr(3, 2) == ", ");
  CHECK(d.substr(25) == " GMT");
  CHECK(d[19] == ':');
  CHECK(d[22] == ':');
}

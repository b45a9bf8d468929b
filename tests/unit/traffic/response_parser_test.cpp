#include "response_parser.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using gg::traffic::detail::response_parser;
using state = response_parser::state;

namespace {

state feed(response_parser& p, std::string_view bytes) {
  char* at = p.prepare(bytes.size());
  std::memcpy(at, bytes.data(), bytes.size());
  return p.commit(bytes.size());
}

}  // namespace

TEST_CASE("a response framed by Content-Length is parsed whole", "[unit][traffic]") {
  response_parser p;
  p.reset();
  REQUIRE(feed(p,
               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               "Set-Cookie: gadgetgrove_session=abc; HttpOnly\r\nSet-Cookie: b=2\r\n"
               "Content-Length: 12\r\n\r\n{\"ok\":true}\n") == state::complete);
  CHECK(p.status() == 200);
  CHECK(p.body() == "{\"ok\":true}\n");
  CHECK_FALSE(p.close());
  REQUIRE(p.set_cookies().size() == 2);
  CHECK(p.set_cookies()[0] == "gadgetgrove_session=abc; HttpOnly");
}

TEST_CASE("a response split at every byte is parsed the same", "[unit][traffic]") {
  const std::string wire =
      "HTTP/1.1 201 Created\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhello";
  response_parser p;
  p.reset();
  state s = state::need_more;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    REQUIRE(s == state::need_more);
    s = feed(p, wire.substr(i, 1));
  }
  REQUIRE(s == state::complete);
  CHECK(p.status() == 201);
  CHECK(p.body() == "hello");
  CHECK(p.close());
}

TEST_CASE("chunked bodies are reassembled", "[unit][traffic]") {
  response_parser p;
  p.reset();
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel") ==
        state::need_more);
  CHECK(feed(p, "lo\r\n6;ext=1\r\n world\r\n0\r\n") == state::need_more);
  REQUIRE(feed(p, "\r\n") == state::complete);
  CHECK(p.body() == "hello world");
}

TEST_CASE("204 and 304 have no body and no length means until close", "[unit][traffic]") {
  response_parser p;
  p.reset();
  CHECK(feed(p, "HTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n") == state::complete);
  CHECK(p.body().empty());
  p.reset();
  CHECK(feed(p, "HTTP/1.0 200 OK\r\n\r\npartial") == state::need_more);
  REQUIRE(p.on_eof() == state::complete);
  CHECK(p.body() == "partial");
  CHECK(p.close());
}

TEST_CASE("interim responses are skipped", "[unit][traffic]") {
  response_parser p;
  p.reset();
  REQUIRE(feed(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") ==
          state::complete);
  CHECK(p.status() == 200);
  CHECK(p.body() == "ok");
}

TEST_CASE("consecutive responses on one connection are parsed one by one", "[unit][traffic]") {
  response_parser p;
  p.reset();
  REQUIRE(feed(p,
               "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\n"
               "Content-Length: 1\r\n\r\nb") == state::complete);
  CHECK(p.body() == "a");
  p.reset();
  REQUIRE(p.commit(0) == state::complete);
  CHECK(p.status() == 404);
  CHECK(p.body() == "b");
}

TEST_CASE("malformed responses and early closes are errors", "[unit][traffic]") {
  response_parser p;
  p.reset();
  CHECK(feed(p, "SMTP ready\r\n\r\n") == state::error);
  p.clear();
  CHECK(feed(p, "HTTP/1.1 2x0 OK\r\n\r\n") == state::error);
  p.clear();
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") == state::error);
  p.clear();
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == state::need_more);
  CHECK(p.on_eof() == state::error);
  p.clear();
  CHECK(p.on_eof() == state::error);
  CHECK(std::string(p.error()) == "connection closed before a response");
  p.clear();
  CHECK(feed(p, std::string(70 * 1024, 'x')) == state::error);
}

TEST_CASE("a chunk-size line over 1 KiB is refused however the bytes are split",
          "[unit][traffic]") {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  // "1" and 1,023 chunk-extension bytes: 1,024, the longest line taken.
  const std::string longest = "1;" + std::string(1022, 'e');
  const std::string too_long = longest + "e";
  for (const std::size_t split : {std::size_t{0}, std::size_t{1}}) {
    INFO("split " << split << " bytes before the line's LF");
    response_parser p;
    p.reset();
    const std::string ok_wire = longest + "\r\nx\r\n0\r\n\r\n";
    const std::size_t cut = longest.size() + 1 - split;  // in one read, or just before the LF
    CHECK(feed(p, head + ok_wire.substr(0, cut)) == state::need_more);
    CHECK(feed(p, ok_wire.substr(cut)) == state::complete);
    CHECK(p.body() == "x");

    response_parser q;
    q.reset();
    const std::string bad_wire = too_long + "\r\nx\r\n0\r\n\r\n";
    const auto first = feed(q, head + bad_wire.substr(0, too_long.size() + 1 - split));
    const auto verdict =
        first == state::error ? first : feed(q, bad_wire.substr(too_long.size() + 1 - split));
    CHECK(verdict == state::error);
    CHECK(std::string(q.error()) == "malformed chunk size");
  }
}

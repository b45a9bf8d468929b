#include "request_decoder.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using gg::http::detail::decode_error;
using gg::http::detail::request_decoder;
using state = request_decoder::state;

/// Copies `bytes` into the decoder's buffer (all of them; the tests stay below its capacity).
void feed(request_decoder& d, std::string_view bytes) {
  const auto span = d.prepare();
  REQUIRE(span.size() >= bytes.size());
  std::memcpy(span.data(), bytes.data(), bytes.size());
  d.commit(bytes.size());
}

/// Parses until need_more or failure, applying `limit` to every header; collects requests.
state drain(request_decoder& d, std::vector<gg::http::request>& out, std::size_t limit = 1024) {
  while (true) {
    const auto st = d.parse();
    if (st == state::header_ready) {
      d.set_body_limit(limit);
    } else if (st == state::message_ready) {
      out.push_back(d.take());
    } else {
      return st;
    }
  }
}

}  // namespace

TEST_CASE("a request arriving one byte at a time is decoded once complete", "[unit][http]") {
  request_decoder d{8192};
  const std::string bytes =
      "POST /api/analytics?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "User-Agent: t\r\n\r\nhello";
  std::vector<gg::http::request> got;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    CHECK(drain(d, got) == state::need_more);
    feed(d, bytes.substr(i, 1));
  }
  CHECK(drain(d, got) == state::need_more);
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == gg::http::verb::post);
  CHECK(got[0].target == "/api/analytics?x=1");
  CHECK(got[0].body == "hello");
  CHECK(got[0].header("user-agent") == "t");
  CHECK(got[0].keep_alive);
  CHECK_FALSE(d.in_message());
}

TEST_CASE("pipelined requests in one buffer come out in order", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
       "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
       "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
       "GET /d HT");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::need_more);
  REQUIRE(got.size() == 3);
  CHECK(got[0].target == "/a");
  CHECK(got[1].body == "abc");
  CHECK(got[2].target == "/c");
  CHECK_FALSE(got[2].keep_alive);
  CHECK(d.in_message());
}

TEST_CASE("a chunked body is decoded", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::need_more);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "abcde");
}

TEST_CASE("a declared body over the route limit fails before it is read", "[unit][http]") {
  request_decoder d{8192};
  feed(d, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got, 10) == state::failed);
  CHECK(d.error() == decode_error::body_too_large);
  CHECK(got.empty());
}

TEST_CASE("a body exactly at the route limit is accepted", "[unit][http]") {
  request_decoder d{8192};
  feed(d, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got, 10) == state::need_more);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body.size() == 10);
}

TEST_CASE("a chunked body growing over the route limit fails", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got, 10) == state::failed);
  CHECK(d.error() == decode_error::body_too_large);
}

TEST_CASE("a header beyond the limit fails as too large", "[unit][http]") {
  request_decoder d{256};
  feed(d, "GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::failed);
  CHECK(d.error() == decode_error::header_too_large);
}

TEST_CASE("a header beyond the limit fails even while it is still arriving", "[unit][http]") {
  request_decoder d{256};
  feed(d, "GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'a'));
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::failed);
  CHECK(d.error() == decode_error::header_too_large);
}

TEST_CASE("malformed request lines fail as bad requests", "[unit][http]") {
  for (const std::string bad :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}) {
    INFO(bad);
    request_decoder d{8192};
    feed(d, bad);
    std::vector<gg::http::request> got;
    CHECK(drain(d, got) == state::failed);
    CHECK(d.error() == decode_error::bad_request);
  }
}

TEST_CASE("HTTP/1.0 requests close unless they ask for keep-alive", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "GET /a HTTP/1.0\r\n\r\n"
       "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::need_more);
  REQUIRE(got.size() == 2);
  CHECK_FALSE(got[0].keep_alive);
  CHECK(got[0].version == 10);
  CHECK(got[1].keep_alive);
}

TEST_CASE("Expect: 100-continue is reported before the body arrives", "[unit][http]") {
  request_decoder d{8192};
  feed(d, "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  REQUIRE(d.parse() == state::header_ready);
  CHECK(d.expects_continue());
  CHECK(d.body_pending());
  CHECK(d.method() == gg::http::verb::post);
  CHECK(d.target() == "/x");
  d.set_body_limit(10);
  CHECK(d.parse() == state::need_more);
  feed(d, "ok");
  CHECK(d.parse() == state::message_ready);
  CHECK(d.take().body == "ok");
}

TEST_CASE("a Transfer-Encoding other than a final chunked fails instead of framing no body",
          "[unit][http]") {
  // RFC 9112 §6.1: without a final `chunked` the body's length cannot be known, and reading
  // it as the next request is a desync primitive behind a lenient proxy.
  for (const std::string coding :
       {"chunked, identity", "gzip", "identity", "gzip, chunked", "chunked, chunked", "", "x"}) {
    INFO(coding);
    request_decoder d{8192};
    feed(d, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    std::vector<gg::http::request> got;
    CHECK(drain(d, got) == state::failed);
    CHECK(got.empty());
    CHECK(d.error() == decode_error::bad_request);
    CHECK(d.error_text() == "unsupported Transfer-Encoding");
  }
}

TEST_CASE("Transfer-Encoding together with Content-Length fails in either order", "[unit][http]") {
  for (const std::string fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                                   "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                                   "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                                   "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"}) {
    INFO(fields);
    request_decoder d{8192};
    feed(d, "POST /x HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n5\r\nhello\r\n0\r\n\r\n");
    std::vector<gg::http::request> got;
    CHECK(drain(d, got) == state::failed);
    CHECK(got.empty());
    CHECK(d.error() == decode_error::bad_request);
  }
}

TEST_CASE("a repeated Transfer-Encoding field is read as one list", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"
       "\r\n5\r\nhello\r\n0\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::failed);
  CHECK(d.error_text() == "unsupported Transfer-Encoding");
}

TEST_CASE("a final chunked coding in any letter case is accepted", "[unit][http]") {
  request_decoder d{8192};
  feed(d,
       "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n\r\n"
       "5\r\nhello\r\n0\r\n\r\n");
  std::vector<gg::http::request> got;
  CHECK(drain(d, got) == state::need_more);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "hello");
}

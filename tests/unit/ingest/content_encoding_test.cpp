#include "content_encoding.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace gg::ingest;

namespace {

/// `data` compressed with zlib's deflate: window_bits 15 zlib, 31 gzip, -15 raw.
std::string compress(std::string_view data, int window_bits) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view data) { return compress(data, 31); }

const std::string body = R"({"batch":[{"type":"track","event":"add_to_cart","userId":"u-1"}]})";

}  // namespace

TEST_CASE("Content-Encoding values map to codings and anything else is unsupported",
          "[unit][ingest]") {
  CHECK(parse_content_encoding("") == content_coding::identity);
  CHECK(parse_content_encoding("identity") == content_coding::identity);
  CHECK(parse_content_encoding(" GZip ") == content_coding::gzip);
  CHECK(parse_content_encoding("x-gzip") == content_coding::gzip);
  CHECK(parse_content_encoding("deflate") == content_coding::deflate);
  CHECK_FALSE(parse_content_encoding("br").has_value());
  CHECK_FALSE(parse_content_encoding("zstd").has_value());
  CHECK_FALSE(parse_content_encoding("gzip, gzip").has_value());
  CHECK_FALSE(parse_content_encoding("compress").has_value());
}

namespace {

/// What inflate_body leaves in an output string that held something else before, or the
/// failure's detail: each decode starts from stale content, so a call that wrote nothing
/// cannot pass for one that decoded the expected text.
std::string decoded(content_coding coding, std::string_view compressed, std::size_t limit = 1024) {
  std::string out = "stale output of an earlier request";
  if (const auto f = inflate_body(coding, compressed, limit, out))
    return "failed: " + std::string(f->detail);
  return out;
}

}  // namespace

TEST_CASE("gzip, zlib deflate and raw deflate bodies decode to the original", "[unit][ingest]") {
  CHECK(decoded(content_coding::gzip, gzip(body)) == body);
  CHECK(decoded(content_coding::deflate, compress(body, 15)) == body);
  CHECK(decoded(content_coding::deflate, compress(body, -15)) == body);
  CHECK(decoded(content_coding::identity, body) == body);
  // Two gzip members in a row are one body, as gzip -d reads them.
  CHECK(decoded(content_coding::gzip, gzip("ab") + gzip("cd")) == "abcd");
  // A body of exactly the limit passes; empty compressed content is empty.
  CHECK(decoded(content_coding::gzip, gzip(body), body.size()) == body);
  CHECK(decoded(content_coding::identity, body, body.size()) == body);
  CHECK(decoded(content_coding::gzip, gzip(""), 10).empty());
  CHECK(decoded(content_coding::deflate, compress("", 15), 10).empty());
}

TEST_CASE("a compression bomb stops at the limit", "[unit][ingest]") {
  // 64 MiB of zeros: ~64 KB of gzip, inside a 500 KB batch limit.
  const std::string zeros(64u << 20, '\0');
  const std::string bomb = gzip(zeros);
  REQUIRE(bomb.size() < 500 * 1024);
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  const auto failure = inflate_body(content_coding::gzip, bomb, 500 * 1024, out);
  const auto spent = std::chrono::steady_clock::now() - start;
  REQUIRE(failure.has_value());
  CHECK(failure->reason == reject_reason::body_too_large);
  CHECK(out.empty());
  CHECK(out.capacity() <= 2 * 500 * 1024);
  // Bounded work: the decoder stopped after ~500 KB of output, not 256 MiB.
  CHECK(spent < std::chrono::seconds{1});
  CHECK(http_status(reject_reason::body_too_large) == 413);
}

TEST_CASE("a truncated, corrupt or overlong stream is bad_encoding with the reason",
          "[unit][ingest]") {
  std::string out;
  const std::string whole = gzip(body);
  for (const std::size_t cut :
       {std::size_t{1}, std::size_t{10}, whole.size() / 2, whole.size() - 1}) {
    INFO(cut);
    const auto f = inflate_body(content_coding::gzip, whole.substr(0, cut), 1024, out);
    REQUIRE(f.has_value());
    CHECK(f->reason == reject_reason::bad_encoding);
    CHECK(f->detail == "truncated stream");
  }
  std::string corrupt = whole;
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x5a);
  corrupt[13] = static_cast<char>(corrupt[13] ^ 0x5a);
  auto f = inflate_body(content_coding::gzip, corrupt, 1024, out);
  REQUIRE(f.has_value());
  CHECK(f->reason == reject_reason::bad_encoding);
  CHECK_FALSE(f->detail.empty());

  f = inflate_body(content_coding::gzip, body, 1024, out);  // not gzip at all
  REQUIRE(f.has_value());
  CHECK(f->detail == "incorrect header check");

  f = inflate_body(content_coding::deflate, compress(body, 15) + "junk", 1024, out);
  REQUIRE(f.has_value());
  CHECK(f->detail == "data after the end of the compressed stream");

  std::string bad_crc = whole;
  bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
  f = inflate_body(content_coding::gzip, bad_crc, 1024, out);
  REQUIRE(f.has_value());
  CHECK(f->detail == "incorrect data check");
  CHECK(http_status(reject_reason::bad_encoding) == 400);
  CHECK(http_status(reject_reason::unsupported_encoding) == 415);
}

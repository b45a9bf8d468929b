// libFuzzer target for compressed request bodies (gg::ingest::inflate_body). The first byte
// picks the coding and the mode, the second the decoded-size limit. Checked on every input:
// - nothing crashes, hangs or trips a sanitizer, and no decode holds more than the limit;
// - raw mode (the rest is the body as sent): a failure leaves the output empty and says why; a
//   success decodes again the same with the limit set to exactly its size, and one byte less is
//   body_too_large, so the limit is neither off by one nor checked after the fact;
// - round-trip mode (the rest is the plain text): the text compressed by zlib, as one or
//   several gzip members, a zlib stream or a raw deflate stream, decodes to the very same bytes
//   when it fits the limit, and is body_too_large when it does not;
// - the Content-Encoding value parser agrees with the list of codings it documents.

#include "content_encoding.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using gg::ingest::content_coding;
using gg::ingest::reject_reason;

void check(bool condition) {
  if (!condition) std::abort();
}

// One zlib stream of `plain`: window_bits 31 is gzip, 15 zlib, -15 raw deflate.
std::string compress(std::string_view plain, int window_bits, int level) {
  z_stream zs{};
  check(deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  check(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string lower_trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  std::string s(v);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void check_parse_content_encoding(std::string_view v) {
  const auto c = gg::ingest::parse_content_encoding(v);
  const std::string s = lower_trimmed(v);
  if (s.empty() || s == "identity") {
    check(c == content_coding::identity);
  } else if (s == "gzip" || s == "x-gzip") {
    check(c == content_coding::gzip);
  } else if (s == "deflate") {
    check(c == content_coding::deflate);
  } else {
    check(!c);
  }
}

void check_raw(content_coding coding, std::string_view body, std::size_t limit) {
  std::string out = "stale";
  const auto failure = gg::ingest::inflate_body(coding, body, limit, out);
  if (failure) {
    check(out.empty());
    check(failure->reason == reject_reason::body_too_large ||
          failure->reason == reject_reason::bad_encoding);
    check(failure->reason != reject_reason::bad_encoding || !failure->detail.empty());
    return;
  }
  check(out.size() <= limit);
  std::string again;
  check(!gg::ingest::inflate_body(coding, body, out.size(), again));
  check(again == out);
  if (!out.empty()) {
    const auto smaller = gg::ingest::inflate_body(coding, body, out.size() - 1, again);
    check(smaller && smaller->reason == reject_reason::body_too_large && again.empty());
  }
}

void check_round_trip(std::uint8_t mode, std::string_view plain, std::size_t limit) {
  const int level = mode >> 4 & 0x7;  // 0 (stored) .. 7
  std::string body;
  content_coding coding = content_coding::gzip;
  switch (mode >> 2 & 0x3) {
    case 0:  // one gzip member
      body = compress(plain, MAX_WBITS + 16, level);
      break;
    case 1: {  // up to three gzip members: gzip reads their concatenation as one body
      const std::size_t a = plain.size() / 3, b = plain.size() - plain.size() / 3;
      body = compress(plain.substr(0, a), MAX_WBITS + 16, level) +
             compress(plain.substr(a, b - a), MAX_WBITS + 16, level) +
             compress(plain.substr(b), MAX_WBITS + 16, level);
      break;
    }
    case 2:  // deflate as RFC 9110 names it: the zlib format
      coding = content_coding::deflate;
      body = compress(plain, MAX_WBITS, level);
      break;
    default:  // deflate as some clients send it: the raw stream
      coding = content_coding::deflate;
      body = compress(plain, -MAX_WBITS, level);
      break;
  }
  std::string out;
  const auto failure = gg::ingest::inflate_body(coding, body, limit, out);
  if (plain.size() <= limit) {
    check(!failure);
    check(out == plain);
  } else {
    check(failure && failure->reason == reject_reason::body_too_large && out.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  // Limits from 0 to 1 MiB, small ones most often so bombs and boundaries are both reached.
  const std::size_t limit = data[1] < 192 ? data[1] * std::size_t{64} : (data[1] - 191) * 16384u;
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  check_parse_content_encoding(rest.substr(0, 16));
  if (mode & 0x80) {
    check_round_trip(mode, rest, limit);
  } else {
    check_raw(mode & 1 ? content_coding::deflate : content_coding::gzip, rest, limit);
  }
  return 0;
}

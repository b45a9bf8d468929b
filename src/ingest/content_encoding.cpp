#include "content_encoding.hpp"

#include <gadgetgrove/http/response.hpp>

#include <zlib.h>

#include <array>
#include <climits>

namespace gg::ingest {
namespace {

/// Output step: the most memory one inflate() call writes before the limit is checked again.
constexpr std::size_t chunk_size = 16 * 1024;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// One zlib inflate stream, ended on every path.
class inflater {
 public:
  explicit inflater(int window_bits) { ok_ = inflateInit2(&zs_, window_bits) == Z_OK; }
  ~inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  bool ok() const noexcept { return ok_; }
  z_stream& stream() noexcept { return zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

enum class outcome : std::uint8_t { done, too_large, bad, not_zlib };

outcome run(int window_bits, bool multi_member, std::string_view in, std::size_t limit,
            std::string& out, std::string_view& detail) {
  out.clear();
  inflater inf{window_bits};
  if (!inf.ok()) {
    detail = "cannot start the decoder";
    return outcome::bad;
  }
  z_stream& zs = inf.stream();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::array<char, chunk_size> chunk;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - zs.avail_out;
    if (produced > limit - out.size()) return outcome::too_large;
    out.append(chunk.data(), produced);
    switch (rc) {
      case Z_STREAM_END:
        if (zs.avail_in == 0) return outcome::done;
        if (!multi_member) {
          detail = "data after the end of the compressed stream";
          return outcome::bad;
        }
        if (inflateReset(&zs) != Z_OK) {
          detail = "cannot restart the decoder";
          return outcome::bad;
        }
        break;
      case Z_OK:
        // All input taken and room left for output, yet no end: the stream stops short.
        if (zs.avail_in == 0 && zs.avail_out != 0) {
          detail = "truncated stream";
          return outcome::bad;
        }
        break;
      case Z_BUF_ERROR:
        detail = "truncated stream";
        return outcome::bad;
      case Z_DATA_ERROR:
        if (zs.total_out == 0 && out.empty() && window_bits == MAX_WBITS) return outcome::not_zlib;
        detail = zs.msg != nullptr ? std::string_view{zs.msg} : "corrupt stream";
        return outcome::bad;
      case Z_MEM_ERROR:
        throw std::bad_alloc{};
      default:
        detail = zs.msg != nullptr ? std::string_view{zs.msg} : "corrupt stream";
        return outcome::bad;
    }
  }
}

}  // namespace

std::optional<content_coding> parse_content_encoding(std::string_view value) noexcept {
  value = trim(value);
  if (value.empty() || http::iequals(value, "identity")) return content_coding::identity;
  if (http::iequals(value, "gzip") || http::iequals(value, "x-gzip")) return content_coding::gzip;
  if (http::iequals(value, "deflate")) return content_coding::deflate;
  return std::nullopt;
}

std::optional<decode_failure> inflate_body(content_coding coding, std::string_view compressed,
                                           std::size_t limit, std::string& out) {
  if (coding == content_coding::identity) {
    if (compressed.size() > limit) return decode_failure{reject_reason::body_too_large, {}};
    out.assign(compressed);
    return std::nullopt;
  }
  if (compressed.size() > UINT_MAX) return decode_failure{reject_reason::body_too_large, {}};
  std::string_view detail;
  outcome o = coding == content_coding::gzip
                  ? run(MAX_WBITS + 16, true, compressed, limit, out, detail)
                  : run(MAX_WBITS, false, compressed, limit, out, detail);
  // `deflate` without the zlib header: some clients send the raw stream under that name.
  if (o == outcome::not_zlib) o = run(-MAX_WBITS, false, compressed, limit, out, detail);
  switch (o) {
    case outcome::done:
      return std::nullopt;
    case outcome::too_large:
      out.clear();
      return decode_failure{reject_reason::body_too_large, "decoded body over the limit"};
    case outcome::bad:
    case outcome::not_zlib:
      out.clear();
      return decode_failure{reject_reason::bad_encoding, detail};
  }
  return decode_failure{reject_reason::bad_encoding, detail};
}

}  // namespace gg::ingest

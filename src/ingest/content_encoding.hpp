#pragma once
// Compressed request bodies: the Content-Encoding of an event submission (server-side SDKs send
// gzip) undone in bounded steps before the body is parsed.

#include <gadgetgrove/ingest/reject_reason.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::ingest {

/// The codings a body may arrive in. `deflate` is the zlib format (RFC 9110 §8.4.1.2); a raw
/// deflate stream, which some clients send under that name, is accepted too.
enum class content_coding : std::uint8_t { identity, gzip, deflate };

/// The coding of a Content-Encoding value: absent or empty, `identity`, `gzip`, `x-gzip` or
/// `deflate`, case-insensitive, surrounding whitespace ignored. nullopt for anything else,
/// including a list of more than one coding (answered 415 `unsupported_encoding`).
std::optional<content_coding> parse_content_encoding(std::string_view value) noexcept;

/// Why a body could not be decoded, for the answer.
struct decode_failure {
  reject_reason reason = reject_reason::none;  // body_too_large or bad_encoding
  std::string_view detail;                     // static text: "truncated stream", zlib's message
};

/// Inflates `compressed` (gzip or deflate) into `out`, which is replaced, 16 KiB at a time. The
/// decoded size may not pass `limit`: decoding stops as soon as it would (body_too_large), so a
/// compression bomb costs at most `limit` bytes of memory and the work of producing them. A
/// corrupt stream, a truncated one, or bytes after its end are bad_encoding with the reason in
/// `detail` (several gzip members in a row are one body, as gzip itself reads them). Returns
/// nullopt on success. Never throws on bad input; std::bad_alloc only when memory is exhausted.
std::optional<decode_failure> inflate_body(content_coding coding, std::string_view compressed,
                                           std::size_t limit, std::string& out);

}  // namespace gg::ingest

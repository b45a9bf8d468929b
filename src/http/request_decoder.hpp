#pragma once
// Incremental HTTP/1.1 request parsing over an owned read buffer, without sockets: the session
// reads into prepare()/commit(), the fuzz target and unit tests feed bytes the same way. The
// implementation is the only file that sees Beast.

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/response.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace gg::http::detail {

enum class decode_error : std::uint8_t {
  none,
  bad_request,       // 400: malformed request line, header or chunk framing, or a
                     // Transfer-Encoding other than exactly `chunked` (or with Content-Length)
  header_too_large,  // 431: request line plus fields beyond the header limit
  body_too_large,    // 413: declared or chunked body beyond the route's limit
};

/// Parses one request after another from a byte stream (pipelining: bytes of the next request
/// stay buffered). Not thread-safe; owned by one connection.
///
/// Cycle: parse() → header_ready (the caller routes on method()/target() and calls
/// set_body_limit()) → parse() → message_ready → take() → parse() for the next request.
class request_decoder {
 public:
  enum class state : std::uint8_t { need_more, header_ready, message_ready, failed };

  explicit request_decoder(std::size_t header_limit);
  ~request_decoder();
  request_decoder(const request_decoder&) = delete;
  request_decoder& operator=(const request_decoder&) = delete;

  /// Free space at the end of the read buffer (never empty unless the buffered bytes already
  /// exceed what a valid request can hold, in which case parse() fails).
  std::span<char> prepare();
  /// Marks `n` bytes of the prepare() span as received.
  void commit(std::size_t n) noexcept;

  /// Advances as far as the buffered bytes allow.
  state parse();

  /// True when some bytes of a request not yet taken have been received.
  bool in_message() const noexcept;
  /// Drops buffered bytes (the connection is closing and only drains its input).
  void discard() noexcept { begin_ = end_ = 0; }
  /// Bytes buffered but not yet parsed.
  std::size_t buffered() const noexcept { return end_ - begin_; }

  // Valid from header_ready until take().
  verb method() const noexcept;
  std::string_view target() const noexcept;
  bool expects_continue() const noexcept;
  /// True when the body has not started arriving (a 100 Continue is still useful).
  bool body_pending() const noexcept;
  /// Applies the route's limit; a declared Content-Length above it fails the next parse()
  /// with body_too_large, a chunked body fails once it grows past it.
  void set_body_limit(std::size_t limit);

  /// The complete request (valid after message_ready); resets the parser for the next one.
  request take();

  decode_error error() const noexcept { return error_; }
  /// A short, stable description of the failure for logs and for a bad_request's answer.
  std::string_view error_text() const noexcept;

 private:
  struct parser_holder;
  std::unique_ptr<parser_holder> parser_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t header_limit_;
  bool header_reported_ = false;
  decode_error error_ = decode_error::none;
  std::string_view error_text_;
};

}  // namespace gg::http::detail

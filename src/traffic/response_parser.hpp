#pragma once
// An incremental parser of one HTTP/1.1 response, for the load generator's client: status,
// the few header fields the client acts on, and the body (Content-Length, chunked, or up to
// the connection's close). Views point into the parser's own buffer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gg::traffic::detail {

class response_parser {
 public:
  enum class state : std::uint8_t { need_more, complete, error };

  /// Largest header block and body accepted; beyond either the response is an error.
  static constexpr std::size_t header_limit = 64 * 1024;
  static constexpr std::size_t body_limit = 16 * 1024 * 1024;

  /// Prepares for the next response on the same connection; bytes read past the previous
  /// complete response are kept.
  void reset(bool head_request = false);
  /// Forgets everything, for a new connection.
  void clear();

  /// Space to read into (at least `min` bytes), then commit() how many were read.
  char* prepare(std::size_t min);
  std::size_t capacity() const noexcept { return buffer_.size() - size_; }
  /// Accounts for `n` bytes read into prepare()'s space and parses them.
  state commit(std::size_t n);
  /// The peer closed the connection: completes a body framed by the close, else an error.
  state on_eof();

  state current() const noexcept { return state_; }
  /// Bytes received for the current response so far.
  std::size_t buffered() const noexcept { return size_ - start_; }
  const char* error() const noexcept { return error_; }

  unsigned status() const noexcept { return status_; }
  std::string_view body() const noexcept { return body_; }
  /// The connection must be closed after this response.
  bool close() const noexcept { return close_; }
  /// Every Set-Cookie value, in order.
  const std::vector<std::string_view>& set_cookies() const noexcept { return set_cookies_; }

 private:
  state parse();
  state parse_head();
  state parse_chunks();
  state fail(const char* why) noexcept {
    error_ = why;
    return state_ = state::error;
  }

  std::string buffer_;
  std::size_t size_ = 0;      // bytes of buffer_ holding data
  std::size_t start_ = 0;     // where this response begins
  std::size_t body_at_ = 0;   // where its body begins (after the head)
  std::size_t consumed_ = 0;  // where the next response begins once complete
  bool head_done_ = false;
  bool head_request_ = false;
  bool chunked_ = false;
  bool until_close_ = false;
  std::size_t content_length_ = 0;
  std::size_t chunk_scan_ = 0;  // chunked: where the next chunk-size line begins
  std::string chunked_body_;

  state state_ = state::need_more;
  const char* error_ = "";
  unsigned status_ = 0;
  bool close_ = false;
  std::string_view body_;
  std::vector<std::string_view> set_cookies_;
};

}  // namespace gg::traffic::detail

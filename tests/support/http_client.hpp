#pragma once
// A small blocking HTTP/1.1 client for tests: connects to 127.0.0.1, sends requests (or raw
// bytes, or bytes one at a time), reads responses framed by Content-Length, chunked encoding or
// connection close. Keep-alive is the default; one client is one connection. Failures throw
// std::runtime_error, which Catch reports with the message.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::test {

using http_fields = std::vector<std::pair<std::string, std::string>>;

struct http_reply {
  unsigned status = 0;
  std::string reason;
  http_fields headers;
  std::string body;

  /// First field named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

class http_client {
 public:
  /// Connects at once; throws when the connection is refused.
  explicit http_client(unsigned short port, std::string host = "127.0.0.1");
  ~http_client();
  http_client(http_client&& other) noexcept;
  http_client& operator=(http_client&& other) noexcept;
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request and reads its response. Host and Content-Length (when there is a body,
  /// or for POST/PUT/PATCH) are added unless `fields` has them.
  http_reply request(std::string_view method, std::string_view target, std::string_view body = {},
                     const http_fields& fields = {});
  http_reply get(std::string_view target, const http_fields& fields = {});
  http_reply post(std::string_view target, std::string_view body,
                  std::string_view content_type = "application/json",
                  const http_fields& fields = {});

  /// The bytes of a request as request() would send them (for pipelining tests).
  static std::string format_request(std::string_view method, std::string_view target,
                                    std::string_view body = {}, const http_fields& fields = {});

  /// Sends bytes as they are. Throws if the peer has closed.
  void send_raw(std::string_view bytes);
  /// Sends one byte at a time with `gap` between them; returns how many bytes were sent before
  /// the peer closed or reset the connection (all of them when it did not).
  std::size_t send_slowly(std::string_view bytes, std::chrono::milliseconds gap);

  /// Reads one response; `head_request` when it answers HEAD (no body follows). Interim (1xx)
  /// responses are skipped unless `return_interim`. Throws when the connection closes before a
  /// whole response or the receive timeout passes.
  http_reply read_reply(bool head_request = false, bool return_interim = false);
  /// As read_reply(), but nullopt when the connection closes (or resets) before any byte.
  std::optional<http_reply> try_read_reply(bool head_request = false);
  /// True when the peer closes (EOF or reset) within `wait` without sending anything more.
  bool wait_closed(std::chrono::milliseconds wait);

  /// Receive timeout for every read (default 5 s).
  void set_timeout(std::chrono::milliseconds t);
  /// Half-closes the sending side (the server sees EOF after what was sent).
  void shutdown_send();
  bool is_open() const noexcept { return fd_ >= 0; }
  void close() noexcept;

 private:
  std::size_t fill();  // reads more into buffer_; 0 on EOF
  std::string read_line();
  std::string read_exact(std::size_t n);

  int fd_ = -1;
  std::string host_;
  std::string buffer_;
  std::chrono::milliseconds timeout_{5000};
};

}  // namespace gg::test

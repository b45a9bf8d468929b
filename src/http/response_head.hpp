#pragma once
// Serialization of a response's status line and header block (HTTP/1.1 wire format).

#include <gadgetgrove/http/response.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace gg::http::detail {

struct head_context {
  const std::vector<header>* default_headers = nullptr;
  unsigned request_version = 11;  // an HTTP/1.0 keep-alive client needs Connection: keep-alive
  bool head_request = false;      // HEAD: Content-Length of the body, but no body
  bool close = false;             // Connection: close
};

/// Appends the head of `r` to `out` and returns how many body bytes follow it on the wire.
/// Content-Length, Date and Connection are the server's; handler fields of those names are
/// dropped, as are fields whose name is not a token or whose value holds CR, LF or NUL (they
/// would split the response). A status outside 200..599 is sent as 500. `dropped` counts the
/// removed fields.
std::size_t append_response_head(std::string& out, const response& r, const head_context& ctx,
                                 std::size_t* dropped = nullptr);

/// "Sun, 06 Nov 1994 08:49:37 GMT" for the current second, cached per thread.
std::string_view http_date_now();

}  // namespace gg::http::detail

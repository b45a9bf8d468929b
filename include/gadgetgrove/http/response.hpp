#pragma once
// The response a handler produces. The server adds Content-Length, Date, Connection and the
// listener's default headers; handlers set everything else.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::http {

struct header {
  std::string name;
  std::string value;
};

struct response {
  unsigned status = 200;
  std::vector<http::header> headers;
  std::string body;
  /// Close the connection after this response (Connection: close).
  bool close = false;

  /// `body` with Content-Type application/json.
  static response json(unsigned status, std::string body);
  /// `body` with Content-Type text/plain; charset=utf-8.
  static response text(unsigned status, std::string body);
  /// `body` with the given Content-Type.
  static response typed(unsigned status, std::string content_type, std::string body);
  /// An empty-bodied redirect (301, 302, 303, 307, 308) to `location`.
  static response redirect(unsigned status, std::string location);

  /// Replaces every field named `name` (case-insensitive) with one field.
  response& set_header(std::string_view name, std::string value);
  /// Appends a field even if one of that name exists (Set-Cookie).
  response& add_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// `{"status":"error","error":"<reason>"}` with `reason` JSON-escaped (invalid UTF-8 becomes
/// U+FFFD), Content-Type application/json.
response error_json(unsigned status, std::string_view reason);

/// The standard reason phrase ("Not Found"); "Unknown" for unregistered codes.
std::string_view reason_phrase(unsigned status) noexcept;

/// ASCII case-insensitive equality, as header names compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace gg::http

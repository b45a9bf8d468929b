#pragma once
// One parsed HTTP/1.1 request as handed to a route handler.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::http {

/// Request methods the router distinguishes; anything else is `other`.
enum class verb : std::uint8_t { get, head, post, put, patch, del, options, other };

/// "GET", "HEAD", ... ("DELETE" for `del`, "OTHER" for `other`).
std::string_view to_string(verb v) noexcept;
/// The verb for an exact, case-sensitive method token; `other` for unknown tokens.
verb parse_verb(std::string_view method) noexcept;

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`). Malformed escapes are kept
/// as they are, so decoding never fails.
std::string percent_decode(std::string_view text, bool plus_is_space = true);

/// The header fields of a request, stored in one buffer (two allocations per request, not two
/// per field). Lookups are case-insensitive; the first field of a repeated name wins.
class header_map {
 public:
  void add(std::string_view name, std::string_view value);
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::size_t size() const noexcept { return spans_.size(); }
  std::string_view name_at(std::size_t i) const noexcept;
  std::string_view value_at(std::size_t i) const noexcept;
  void clear() noexcept;
  void reserve(std::size_t fields, std::size_t bytes);

 private:
  struct span {
    std::uint32_t name_offset;
    std::uint32_t name_size;
    std::uint32_t value_offset;
    std::uint32_t value_size;
  };
  std::string text_;
  std::vector<span> spans_;
};

/// A complete request: the body has been read in full (within the route's body limit).
/// A plain value; handlers own it and may move it to another thread.
struct request {
  verb method = verb::get;
  std::string target;  // as sent: path plus optional "?query"
  header_map headers;
  std::string body;
  std::string remote_address;  // peer IP address only, no port
  bool keep_alive = true;
  unsigned version = 11;  // 10 or 11
  /// Values of `{name}` segments of the matched route pattern, percent-decoded.
  std::vector<std::pair<std::string, std::string>> path_params;
  /// When the request was complete; lets a handler measure its own latency.
  std::chrono::steady_clock::time_point received_at{};

  /// The target up to '?' (not decoded).
  std::string_view path() const noexcept;
  /// The target after '?' (not decoded), empty when there is none.
  std::string_view query() const noexcept;
  /// The first `name=value` pair of the query whose decoded name equals `name`, its value
  /// percent-decoded ('+' is a space). A bare `name` yields an empty string.
  std::optional<std::string> query_param(std::string_view name) const;
  /// A header value, name matched case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return headers.get(name);
  }
  /// The value of cookie `name` from the Cookie header(s), not decoded.
  std::optional<std::string_view> cookie(std::string_view name) const noexcept;
  /// A `{name}` parameter of the matched route pattern.
  std::optional<std::string_view> path_param(std::string_view name) const noexcept;
};

}  // namespace gg::http

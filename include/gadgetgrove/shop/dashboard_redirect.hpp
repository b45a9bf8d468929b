#pragma once
// Where the shop's GET /analytics sends a browser: the dashboard on the admin listener.

#include <optional>
#include <string>
#include <string_view>

namespace gg::shop {

/// The target of /analytics. Either a fixed URL (`--dashboard-url`, or the admin listener's
/// bound address when it is a specific one), or, when the admin listener is bound to a wildcard
/// address (0.0.0.0, ::) that no browser can use, "the host the browser asked for, on the admin
/// port": `http://<the request's Host name>:<port><path>`. A plain value, copied freely.
struct dashboard_redirect {
  std::string url;          // used as it is when `port` is 0
  unsigned short port = 0;  // the admin listener's port, for the request's host name
  std::string path = "/dashboard";

  /// A fixed target.
  static dashboard_redirect fixed(std::string url);
  /// The request's host on `port` (not 0).
  static dashboard_redirect on_request_host(unsigned short port, std::string path = "/dashboard");
};

/// The host part of a Host header value when the value is a well-formed authority without
/// userinfo ("shop.example:8080", "10.0.0.5", "[2001:db8::1]:80"): a registered name of
/// letters, digits, '-', '_' and '.' (at most 253 bytes, labels not empty except a final dot),
/// an IPv4 literal, or a bracketed IPv6 literal of hex digits, ':' and '.', then an optional
/// ":port" of 1 to 5 digits up to 65535. The host comes back as written (IPv6 in brackets),
/// lower-cased. Anything else (a path, '@', '\\', spaces, control bytes, percent escapes,
/// several values) is nullopt, so the value can neither add a header line nor send the
/// browser to a path or user on another site. Pure, thread-safe.
std::optional<std::string> host_of_host_header(std::string_view value);

/// The Location for a request whose Host header is `host_header` (nullopt when absent):
/// `target.url` for a fixed target; otherwise the validated host with the target's port and
/// path, or nullopt when the Host is missing or malformed. Pure, thread-safe.
std::optional<std::string> dashboard_location(const dashboard_redirect& target,
                                              std::optional<std::string_view> host_header);

}  // namespace gg::shop

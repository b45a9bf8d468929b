#pragma once
// "HOST:PORT", the one parser for every listener address, --listen option and client target.

#include <gadgetgrove/core/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gg {

/// A host (name or address literal, IPv6 without its brackets) and a TCP port.
struct host_port {
  std::string host;
  unsigned short port = 0;

  /// "host:port", with an IPv6 literal in brackets ("[::1]:8000").
  std::string to_string() const;
};

/// Parses "HOST:PORT" ("0.0.0.0:8000", "[::1]:0", "localhost:8050"): the port is the digits after
/// the last ':' (0..65535), the host everything before it, brackets removed. With
/// `default_port`, a text without ':' (or "[v6]" alone) is a host on that port. Errors
/// (errc::config) name the text: "expected HOST:PORT, got '...'" when the host is empty or the
/// ':' missing, "invalid port in '...'" when the port is not a number in range. Pure, thread-safe.
result<host_port> parse_host_port(std::string_view text,
                                  std::optional<unsigned short> default_port = std::nullopt);

/// True when `host` (as in host_port::host: a name or an address literal without brackets)
/// can only be reached from this machine: "localhost" (any case, with or without a trailing
/// dot), an IPv4 address in 127.0.0.0/8, ::1, or an IPv4-mapped ::ffff:127.x.y.z. Wildcards
/// ("0.0.0.0", "::"), other names and other addresses are not. Pure, thread-safe.
bool is_loopback_host(std::string_view host) noexcept;

}  // namespace gg

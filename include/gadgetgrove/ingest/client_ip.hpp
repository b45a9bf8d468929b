#pragma once
// The privacy policy for the client address stored with each event.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::ingest {

/// full: the address as received; truncate: IPv4 with its last octet zeroed, IPv6 with its last
/// 80 bits zeroed (the /48 stays), and an IPv4 address embedded in IPv6 cut to its /24 as well
/// (6to4 2002::/16 keeps 2002:AABB:CC00::, IPv4-compatible ::a.b.c.d becomes ::a.b.c.0,
/// IPv4-mapped is stored as IPv4); none: no address is stored.
enum class ip_mode : std::uint8_t { full, truncate, none };

/// A parsed IP address: IPv4 (and IPv4-mapped IPv6) in the first 4 bytes, else 16 bytes.
struct ip_address {
  std::array<unsigned char, 16> bytes{};
  bool v6 = false;
};

/// Parses IPv4 or IPv6 text (an IPv6 zone "%eth0" is dropped, an IPv4-mapped address becomes
/// IPv4); nullopt for anything else. Never throws.
std::optional<ip_address> parse_ip_address(std::string_view text) noexcept;

/// Parses "full", "truncate" or "none".
std::optional<ip_mode> parse_ip_mode(std::string_view text) noexcept;
std::string_view to_string(ip_mode m) noexcept;

/// The peer address in canonical text: an IPv4-mapped IPv6 address ("::ffff:192.0.2.1") becomes
/// its IPv4 form and an IPv6 zone ("%eth0") is dropped. Returns false (and leaves `out` as it
/// was) when `peer` is not an IP address. Appends to `out`; never throws on bad input.
bool append_canonical_ip(std::string& out, std::string_view peer);

/// Appends the address stored under `mode` to `out`; false (nothing appended) for ip_mode::none
/// or when `peer` is not an IP address.
bool append_client_ip(std::string& out, std::string_view peer, ip_mode mode);

}  // namespace gg::ingest

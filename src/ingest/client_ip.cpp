#include <gadgetgrove/ingest/client_ip.hpp>

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace gg::ingest {
namespace {

constexpr std::size_t max_address_text = 64;  // longer than any IPv6 text form (45)

using address = ip_address;

bool parse_address(std::string_view text, address& out) noexcept {
  if (auto a = parse_ip_address(text)) {
    out = *a;
    return true;
  }
  return false;
}

/// The deprecated IPv4-compatible form ::a.b.c.d (RFC 4291 §2.5.5.1): 96 zero bits, then an
/// IPv4 address other than 0.0.0.0 and 0.0.0.1 (which are :: and ::1).
bool is_ipv4_compatible(const address& a) noexcept {
  for (std::size_t i = 0; i < 12; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[12] != 0 || a.bytes[13] != 0 || a.bytes[14] != 0 || a.bytes[15] > 1;
}

void append_address(std::string& out, const address& a) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf) != nullptr) {
    out.append(buf);
  }
}

/// True when `text` is plain dotted-quad-looking IPv4 text, which inet_pton would echo back
/// unchanged; lets the common case skip a parse and a format.
bool is_plain_ipv4(std::string_view text) noexcept {
  if (text.size() < 7 || text.size() > 15) return false;
  unsigned dots = 0;
  unsigned digits = 0;
  unsigned value = 0;
  for (const char c : text) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
      value = 0;
    } else if (c >= '0' && c <= '9') {
      if (digits == 1 && value == 0) return false;  // a leading zero
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits != 0;
}

}  // namespace

std::optional<ip_address> parse_ip_address(std::string_view text) noexcept {
  if (const auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
  if (text.empty() || text.size() >= max_address_text) return std::nullopt;
  char buf[max_address_text];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  ip_address out;
  if (inet_pton(AF_INET, buf, out.bytes.data()) == 1) return out;
  if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) return std::nullopt;
  static constexpr unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), mapped_prefix, sizeof mapped_prefix) == 0) {
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::memset(out.bytes.data() + 4, 0, 12);
  } else {
    out.v6 = true;
  }
  return out;
}

std::optional<ip_mode> parse_ip_mode(std::string_view text) noexcept {
  if (text == "full") return ip_mode::full;
  if (text == "truncate") return ip_mode::truncate;
  if (text == "none") return ip_mode::none;
  return std::nullopt;
}

std::string_view to_string(ip_mode m) noexcept {
  switch (m) {
    case ip_mode::full:
      return "full";
    case ip_mode::truncate:
      return "truncate";
    case ip_mode::none:
      return "none";
  }
  return "full";
}

bool append_canonical_ip(std::string& out, std::string_view peer) {
  if (is_plain_ipv4(peer)) {
    out.append(peer);
    return true;
  }
  address a;
  if (!parse_address(peer, a)) return false;
  append_address(out, a);
  return true;
}

bool append_client_ip(std::string& out, std::string_view peer, ip_mode mode) {
  switch (mode) {
    case ip_mode::none:
      return false;
    case ip_mode::full:
      return append_canonical_ip(out, peer);
    case ip_mode::truncate:
      break;
  }
  if (is_plain_ipv4(peer)) {
    out.append(peer.substr(0, peer.rfind('.') + 1));
    out.push_back('0');
    return true;
  }
  address a;
  if (!parse_address(peer, a)) return false;
  if (!a.v6) {
    a.bytes[3] = 0;
  } else if (a.bytes[0] == 0x20 && a.bytes[1] == 0x02) {
    // 6to4 (2002:AABB:CCDD::/48) carries the site's IPv4 address in bytes 2-5, inside the /48
    // kept: its host octet goes too.
    std::memset(a.bytes.data() + 5, 0, 11);
  } else if (is_ipv4_compatible(a)) {
    // ::a.b.c.d: the address is IPv4; keep its /24 as for IPv4 itself.
    a.bytes[15] = 0;
  } else {
    std::memset(a.bytes.data() + 6, 0, 10);
  }
  append_address(out, a);
  return true;
}

}  // namespace gg::ingest

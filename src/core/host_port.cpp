#include <gadgetgrove/core/host_port.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace gg {

std::string host_port::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

result<host_port> parse_host_port(std::string_view text,
                                  std::optional<unsigned short> default_port) {
  const auto expected = [&] {
    return fail(errc::config, "expected HOST:PORT, got '" + std::string(text) + "'");
  };
  std::string_view host = text;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return expected();
    host = text.substr(1, close - 1);
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return expected();
      port_text = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return expected();
  host_port out;
  out.host = std::string(host);
  if (!has_port) {
    if (!default_port) return expected();
    out.port = *default_port;
    return out;
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail(errc::config, "invalid port in '" + std::string(text) + "'");
  }
  out.port = static_cast<unsigned short>(port);
  return out;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view localhost = "localhost";
  if (host.size() == localhost.size()) {
    bool same = true;
    for (std::size_t i = 0; i < host.size(); ++i) {
      const char c = host[i];
      const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
      same = same && lower == localhost[i];
    }
    if (same) return true;
  }
  // inet_pton wants a terminated string; anything longer is no address literal.
  char text[INET6_ADDRSTRLEN + 1] = {};
  if (host.empty() || host.size() >= sizeof text) return false;
  std::memcpy(text, host.data(), host.size());
  in_addr v4{};
  if (::inet_pton(AF_INET, text, &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text, &v6) != 1) return false;
  const std::uint8_t* b = v6.s6_addr;
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  if (b[10] == 0 && b[11] == 0) {
    // ::1 only; the other IPv4-compatible forms are deprecated and not loopback.
    for (int i = 12; i < 15; ++i) {
      if (b[i] != 0) return false;
    }
    return b[15] == 1;
  }
  return b[10] == 0xff && b[11] == 0xff && b[12] == 127;
}

}  // namespace gg

#include <gadgetgrove/core/host_port.hpp>

#include <charconv>

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

}  // namespace gg

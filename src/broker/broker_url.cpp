#include <gadgetgrove/broker/broker_url.hpp>

#include <charconv>

namespace gg::broker {

namespace {

// %XX escapes, as amqp URLs use for a '/' or '@' in a user name, password or vhost.
gg::result<std::string> unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= s.size()) {
      return gg::fail(gg::errc::invalid_input, "broker URL: truncated %-escape");
    }
    const auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
    if (ec != std::errc{} || p != s.data() + i + 3) {
      return gg::fail(gg::errc::invalid_input, "broker URL: bad %-escape");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

std::string broker_url::redacted() const {
  std::string vh = vhost == "/" ? std::string{} : vhost;
  return "amqp://" + user + (password.empty() ? "" : ":****") + "@" + host + ":" +
         std::to_string(port) + "/" + vh;
}

std::string mask_broker_url(std::string_view url) {
  auto parsed = parse_broker_url(url);
  return parsed ? parsed->redacted() : std::string("****");
}

gg::result<broker_url> parse_broker_url(std::string_view url) {
  constexpr std::string_view scheme = "amqp://";
  if (url.substr(0, scheme.size()) != scheme) {
    return gg::fail(gg::errc::invalid_input,
                    "broker URL must start with amqp:// (amqps is not supported)");
  }
  std::string_view rest = url.substr(scheme.size());
  broker_url out;
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    auto vh = unescape(rest.substr(slash + 1));
    if (!vh) return vh.error();
    // amqp://host/ names the empty vhost in the AMQP URI spec, but everyone means "/".
    out.vhost = vh->empty() ? "/" : *vh;
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = unescape(userinfo.substr(0, colon));
    if (!user) return user.error();
    out.user = *user;
    if (colon != std::string_view::npos) {
      auto password = unescape(userinfo.substr(colon + 1));
      if (!password) return password.error();
      out.password = *password;
    }
  }
  std::string_view host = authority;
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view port = authority.substr(colon + 1);
    int value = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value <= 0 || value > 65535) {
      // Not echoed: with the '@' left out, the password sits where the port should be.
      return gg::fail(gg::errc::invalid_input, "broker URL: bad port");
    }
    out.port = value;
  }
  if (!host.empty()) out.host = std::string(host);
  return out;
}

}  // namespace gg::broker

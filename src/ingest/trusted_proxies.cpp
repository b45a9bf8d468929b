#include <gadgetgrove/ingest/trusted_proxies.hpp>

#include <gadgetgrove/http/response.hpp>

#include <charconv>
#include <optional>

namespace gg::ingest {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The address part of a hop as proxies write it: "192.0.2.1", "192.0.2.1:4711",
/// "[2001:db8::1]", "[2001:db8::1]:4711", "2001:db8::1"; quotes already removed.
std::string_view host_of(std::string_view hop) noexcept {
  hop = trim(hop);
  if (!hop.empty() && hop.front() == '[') {
    const std::size_t close = hop.find(']');
    return close == std::string_view::npos ? std::string_view{} : hop.substr(1, close - 1);
  }
  const std::size_t colon = hop.find(':');
  if (colon != std::string_view::npos && hop.find(':', colon + 1) == std::string_view::npos) {
    return hop.substr(0, colon);  // IPv4 with a port
  }
  return hop;
}

/// The `for=` value of one Forwarded element ("for=192.0.2.60;proto=http;by=203.0.113.43"),
/// unquoted; empty when the element has none.
std::string_view forwarded_for(std::string_view element) noexcept {
  while (!element.empty()) {
    const std::size_t semi = element.find(';');
    std::string_view pair = trim(element.substr(0, semi));
    element = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || !http::iequals(trim(pair.substr(0, eq)), "for")) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

/// The hops of every field named `name`, nearest (rightmost) first, to `visit` until it returns
/// false. Forwarded elements are split on ',' outside quotes (a quoted IPv6 has none).
template <class F>
void hops_right_to_left(const http::header_map& headers, std::string_view name, bool forwarded,
                        F&& visit) {
  for (std::size_t f = headers.size(); f-- > 0;) {
    if (!http::iequals(headers.name_at(f), name)) continue;
    std::string_view list = headers.value_at(f);
    while (true) {
      const std::size_t comma = list.rfind(',');
      const std::string_view item = comma == std::string_view::npos ? list : list.substr(comma + 1);
      const std::string_view hop = forwarded ? forwarded_for(item) : item;
      if (!trim(item).empty() && !visit(hop)) return;
      if (comma == std::string_view::npos) break;
      list = list.substr(0, comma);
    }
  }
}

}  // namespace

gg::result<trusted_proxies> trusted_proxies::parse(const std::vector<std::string>& cidrs) {
  trusted_proxies out;
  for (const std::string& text : cidrs) {
    const std::string_view t = trim(text);
    const std::size_t slash = t.find('/');
    const auto base = parse_ip_address(t.substr(0, slash));
    const unsigned max_prefix = base && base->v6 ? 128 : 32;
    unsigned prefix = max_prefix;
    bool ok = base.has_value();
    if (ok && slash != std::string_view::npos) {
      const std::string_view p = t.substr(slash + 1);
      const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      ok = !p.empty() && ec == std::errc{} && end == p.data() + p.size() && prefix <= max_prefix;
    }
    if (!ok) {
      return gg::fail(errc::config,
                      "'" + text + "' is not an IP address or network (like 10.0.0.0/8)");
    }
    out.networks_.push_back(network{*base, prefix});
  }
  return out;
}

bool trusted_proxies::contains(const ip_address& a) const noexcept {
  for (const network& n : networks_) {
    if (n.base.v6 != a.v6) continue;
    unsigned bits = n.prefix;
    std::size_t i = 0;
    for (; bits >= 8; bits -= 8, ++i) {
      if (n.base.bytes[i] != a.bytes[i]) break;
    }
    if (bits >= 8) continue;  // a whole byte differed
    if (bits == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
    if ((n.base.bytes[i] & mask) == (a.bytes[i] & mask)) return true;
  }
  return false;
}

bool trusted_proxies::contains(std::string_view address) const noexcept {
  const auto a = parse_ip_address(address);
  return a && contains(*a);
}

std::string_view trusted_proxies::client_address(std::string_view peer,
                                                 const http::header_map& headers) const {
  if (networks_.empty() || !contains(peer)) return peer;
  const bool forwarded = headers.get("Forwarded").has_value();
  std::string_view client = peer;
  hops_right_to_left(headers, forwarded ? "Forwarded" : "X-Forwarded-For", forwarded,
                     [&](std::string_view hop) {
                       const std::string_view host = host_of(hop);
                       const auto a = parse_ip_address(host);
                       if (!a) return false;  // the trusted hop that wrote it stays the client
                       client = host;
                       return contains(*a);
                     });
  return client;
}

}  // namespace gg::ingest

#include "target.hpp"

#include "answer_scan.hpp"

#include <boost/asio/io_context.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace gg::traffic::detail {
namespace {

namespace asio = boost::asio;

}  // namespace

gg::result<target_address> parse_target_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    return gg::fail(errc::config, "url must start with http:// (got \"" + std::string(url) + "\")");
  }
  std::string_view rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return gg::fail(errc::config, "url must not have a path: " + std::string(url));
    }
    rest = rest.substr(0, slash);
  }
  target_address t;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return gg::fail(errc::config, "bad IPv6 host in url");
    t.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return gg::fail(errc::config, "bad url: " + std::string(url));
      port_text = after.substr(1);
    }
  } else {
    const auto colon = rest.rfind(':');
    t.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (t.host.empty()) return gg::fail(errc::config, "url has no host: " + std::string(url));
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return gg::fail(errc::config, "bad port in url: " + std::string(url));
    }
    t.port = static_cast<unsigned short>(port);
  }
  const bool v6 = t.host.find(':') != std::string::npos;
  t.host_header = (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
  t.origin = "http://" + t.host_header;
  return t;
}

gg::result<asio::ip::tcp::endpoint> resolve_target(const target_address& t) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(t.host, ec);
  if (!ec) {
    if (addr.is_unspecified()) {
      addr = addr.is_v4() ? asio::ip::address(asio::ip::address_v4::loopback())
                          : asio::ip::address(asio::ip::address_v6::loopback());
    }
    return asio::ip::tcp::endpoint(addr, t.port);
  }
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  auto results = resolver.resolve(t.host, std::to_string(t.port), ec);
  if (ec || results.empty()) {
    return gg::fail(errc::config, "cannot resolve " + t.host + ": " + ec.message());
  }
  // Prefer IPv4, which is what "localhost" listeners usually bind.
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) return r.endpoint();
  }
  return results.begin()->endpoint();
}

std::string url_for_listener(std::string_view host_port) {
  std::string hp(host_port);
  if (hp.rfind("0.0.0.0:", 0) == 0) hp = "127.0.0.1:" + hp.substr(8);
  if (hp.rfind("[::]:", 0) == 0) hp = "[::1]:" + hp.substr(5);
  return "http://" + hp;
}

std::optional<std::string> serve_json_url(const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "serve.json");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto pub = json_string_member(text.str(), "public");
  if (!pub || pub->empty()) return std::nullopt;
  return url_for_listener(*pub);
}

}  // namespace gg::traffic::detail

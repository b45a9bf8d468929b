#include "target.hpp"

#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/serve_info.hpp>

#include <boost/asio/io_context.hpp>

#include <charconv>

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
  if (rest.empty()) return gg::fail(errc::config, "url has no host: " + std::string(url));
  auto hp = parse_host_port(rest, 80);
  if (!hp) return gg::fail(errc::config, "bad url " + std::string(url) + ": " + hp.error().message);
  if (hp->port == 0) return gg::fail(errc::config, "bad port in url: " + std::string(url));
  target_address t;
  t.host = std::move(hp->host);
  t.port = hp->port;
  t.host_header = host_port{t.host, t.port}.to_string();
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
  auto info = read_serve_info(data_dir);
  if (!info || info->public_address.empty()) return std::nullopt;
  return url_for_listener(info->public_address);
}

}  // namespace gg::traffic::detail

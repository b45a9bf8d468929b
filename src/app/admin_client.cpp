#include "admin_client.hpp"

#include <gadgetgrove/core/host_port.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

namespace gg::app {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

admin_client::admin_client(std::string address, std::string token,
                           std::chrono::milliseconds timeout)
    : address_(std::move(address)), token_(std::move(token)), timeout_(timeout) {}

gg::result<admin_reply> admin_client::request(std::string_view method, std::string_view target,
                                              std::string_view body) {
  auto hp = parse_host_port(address_);
  if (!hp) return hp.error();
  const bool safe = method == "GET" || method == "HEAD" || method == "OPTIONS";
  if (!safe && token_.empty() && csrf_token_.empty()) {
    auto grant = request("GET", "/api/csrf");
    if (!grant) return grant.error();
    constexpr std::string_view key = R"("token":")";
    const auto at = grant->body.find(key);
    if (grant->status == 200 && at != std::string::npos) {
      const auto start = at + key.size();
      csrf_token_ = grant->body.substr(start, grant->body.find('"', start) - start);
      csrf_cookie_ = grant->set_cookie.substr(0, grant->set_cookie.find(';'));
    }
  }
  // A listener bound to every address is reached on loopback.
  std::string host = hp->host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(hp->port), ec);
  if (ec) {
    return gg::fail(errc::unavailable, fmt::format("cannot resolve {}: {}", address_, ec.message()),
                    true);
  }
  stream.expires_after(timeout_);
  stream.connect(endpoints, ec);
  if (ec) {
    return gg::fail(
        errc::unavailable,
        fmt::format("cannot reach serve's admin listener at {}: {}", address_, ec.message()), true);
  }
  bhttp::request<bhttp::string_body> req;
  req.method(bhttp::string_to_verb(method));
  req.target(std::string(target));
  req.version(11);
  req.set(bhttp::field::host, hp->to_string());
  req.set(bhttp::field::user_agent, "gadgetgrove-cli");
  req.set(bhttp::field::accept, "application/json");
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  if (!safe && !csrf_token_.empty()) {
    req.set(bhttp::field::cookie, csrf_cookie_);
    req.set("X-CSRF-Token", csrf_token_);
  }
  if (!body.empty() || method == "POST") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
  }
  bhttp::write(stream, req, ec);
  if (ec) {
    return gg::fail(errc::unavailable, fmt::format("request to {}: {}", address_, ec.message()),
                    true);
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) {
    return gg::fail(errc::unavailable, fmt::format("answer from {}: {}", address_, ec.message()),
                    true);
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  auto res = parser.release();
  admin_reply reply{res.result_int(), std::move(res.body()), {}};
  if (const auto it = res.find(bhttp::field::set_cookie); it != res.end()) {
    reply.set_cookie = std::string(it->value());
  }
  return reply;
}

}  // namespace gg::app

#pragma once
// Where the client connects: the --url, or the public address a running `serve` recorded.

#include <gadgetgrove/core/result.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gg::traffic::detail {

struct target_address {
  std::string host;  // as written, without brackets
  unsigned short port = 80;
  std::string host_header;  // "127.0.0.1:8000", "[::1]:8000"
  std::string origin;       // "http://" + host_header
};

/// Parses "http://HOST[:PORT][/]"; errors (config) for other schemes, paths, bad ports.
gg::result<target_address> parse_target_url(std::string_view url);

/// Resolves the host (a literal, or a name through the resolver); an unspecified address
/// (0.0.0.0, ::) becomes the loopback of its family, as a listener bound there is reached.
gg::result<boost::asio::ip::tcp::endpoint> resolve_target(const target_address& t);

/// "http://<public>" from <data_dir>/serve.json, or nullopt when it is absent or unreadable.
std::optional<std::string> serve_json_url(const std::filesystem::path& data_dir);

/// The URL to use for a "host:port" listener address (0.0.0.0 and :: become loopback).
std::string url_for_listener(std::string_view host_port);

}  // namespace gg::traffic::detail

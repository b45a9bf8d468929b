#pragma once
// Which peers may tell ingest the client's address: the reverse proxies in front of the public
// listener (`--trusted-proxy CIDR`).

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/ingest/client_ip.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace gg::ingest {

/// A set of networks ("10.0.0.0/8", "2001:db8::/32", or a single address). With none, the peer
/// address is always the client and X-Forwarded-For / Forwarded are ignored (a client can write
/// anything there). With some, a request whose peer is inside them is attributed to the
/// rightmost address of the forwarding chain that is not itself a trusted proxy: the chain is
/// read right to left (the nearest hop first), `Forwarded` (RFC 7239, its `for=` parameters)
/// when the request has one, else `X-Forwarded-For`, every field of the name in order. An entry
/// that is not an IP address (`unknown`, an obfuscated name, garbage) ends the walk at the
/// trusted hop that reported it. Immutable after parse(); safe from any thread.
class trusted_proxies {
 public:
  trusted_proxies() = default;
  /// Errors: config, naming the entry that is not an address or network.
  [[nodiscard]] static gg::result<trusted_proxies> parse(const std::vector<std::string>& cidrs);

  bool empty() const noexcept { return networks_.empty(); }
  bool contains(std::string_view address) const noexcept;

  /// The client address of a request from `peer` with `headers`: `peer` itself unless it is a
  /// trusted proxy, else the hop found as described above (a view into `headers`). The view
  /// lives as long as `peer` and `headers`.
  std::string_view client_address(std::string_view peer, const http::header_map& headers) const;

 private:
  struct network {
    ip_address base;
    unsigned prefix = 0;
  };
  bool contains(const ip_address& a) const noexcept;

  std::vector<network> networks_;
};

}  // namespace gg::ingest

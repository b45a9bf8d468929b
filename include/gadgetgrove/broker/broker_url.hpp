#pragma once
// Where the broker is: an amqp:// URL (amqp://user:password@host:port/vhost) taken apart once,
// so every connection and every log line reads the same fields.

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <string_view>

namespace gg::broker {

struct broker_url {
  std::string host = "localhost";
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";

  /// The URL with its password masked (`amqp://user:****@host:port/vhost`), for logs, /readyz
  /// and --print-config.
  std::string redacted() const;
};

/// `url` with its password masked, for printing what a user gave: the redacted() form when it
/// parses, else only "****" (a malformed URL may hold the password anywhere).
std::string mask_broker_url(std::string_view url);

/// Parses `amqp://[user[:password]@]host[:port][/vhost]`. Errors: invalid_input (amqps:// is
/// refused: the packaged client is built without the TLS this would need to be checked).
gg::result<broker_url> parse_broker_url(std::string_view url);

}  // namespace gg::broker

#pragma once
// A blocking HTTP/1.1 client for a running serve's admin API (`gadgetgrove run` starts and
// follows a run through it): one connection per request, a deadline on each.

#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace gg::app {

struct admin_reply {
  unsigned status = 0;
  std::string body;
  std::string set_cookie;  // the first Set-Cookie value, empty when none
};

/// Talks to `address` ("host:port" as in serve.json; an unspecified host such as 0.0.0.0 or ::
/// means this machine). `token`, when not empty, is sent as a bearer token. Without one, a
/// state-changing request first fetches a CSRF token and its cookie from GET /api/csrf (the
/// admin listener asks every POST that is not bearer-authenticated for them). Not thread-safe.
class admin_client {
 public:
  admin_client(std::string address, std::string token,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Sends one request (a JSON body when `body` is not empty) and returns the answer, whatever
  /// its status. Errors: unavailable (refused, closed, timed out), config (a bad address).
  gg::result<admin_reply> request(std::string_view method, std::string_view target,
                                  std::string_view body = {});

  const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
  std::string token_;
  std::chrono::milliseconds timeout_;
  std::string csrf_cookie_;  // "name=value" from GET /api/csrf
  std::string csrf_token_;
};

}  // namespace gg::app

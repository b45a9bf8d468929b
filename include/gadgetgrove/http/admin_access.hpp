#pragma once
// Who may use the admin listener: its credentials (a bearer token, an HTTP Basic password) and
// the CSRF protection of its state-changing routes.

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/response.hpp>
#include <gadgetgrove/http/router.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::http {

struct admin_access_options {
  /// Accepted as "Authorization: Bearer <token>"; empty: no token is accepted.
  std::string token;
  /// Accepted as "Authorization: Basic" with any user name and this password, so a browser can
  /// open the admin pages; empty: no password is accepted.
  std::string password;
  /// Paths (exact) answered without credentials; liveness probes carry none.
  std::vector<std::string> open_paths{"/healthz"};
  /// The realm of the WWW-Authenticate challenges.
  std::string realm = "GadgetGrove admin";
};

/// The CSRF token a page sends back in X-CSRF-Token, and the cookie it is bound to when the
/// request did not carry one yet.
struct csrf_grant {
  std::string token;
  std::optional<std::string> set_cookie;  // a Set-Cookie value
};

/// The admin listener's gatekeeper, installed as its server's guard (server_options::guard).
///
/// With a token or password configured, every request but the open paths must carry one of
/// them (compared in constant time), else 401 with a WWW-Authenticate challenge per accepted
/// scheme. With neither (allowed only on a loopback listener), requests are accepted only when
/// their Host names a loopback host, so a web page whose name resolves to 127.0.0.1 (DNS
/// rebinding) cannot read or drive the admin API from a browser.
///
/// Every state-changing request (any method but GET, HEAD and OPTIONS) also needs a CSRF token,
/// unless it authenticated with the bearer token, which a browser never sends on its own: the
/// token is an HMAC, under a key drawn at random per process, of a random value held in an
/// HttpOnly, SameSite=Strict cookie; the page gets it from GET /api/csrf and sends it in
/// X-CSRF-Token. Requests a browser marks as coming from another site (Sec-Fetch-Site, or an
/// Origin other than the Host) are refused before the token is looked at. Refusals are 403.
///
/// Immutable after construction; every member is safe from any number of threads.
class admin_access {
 public:
  explicit admin_access(admin_access_options options);

  /// nullopt to let `req` through, else the response refusing it. Quick and non-blocking (the
  /// server's guard runs on the connection's strand).
  std::optional<response> check(const request& req) const;

  /// The token for the CSRF cookie of `req`, with a new cookie when it has none (or a malformed
  /// one).
  csrf_grant issue_csrf(const request& req) const;
  /// True when `req` carries the cookie and the X-CSRF-Token header that belongs to it.
  bool csrf_valid(const request& req) const;

  /// True when a token or a password is configured.
  bool has_credentials() const noexcept;
  const admin_access_options& options() const noexcept { return options_; }

  static constexpr std::string_view csrf_cookie = "gadgetgrove_admin_csrf";
  static constexpr std::string_view csrf_header = "X-CSRF-Token";

 private:
  enum class authenticated { none, bearer, basic };
  authenticated authenticate(const request& req) const;
  std::string csrf_token_for(std::string_view cookie_value) const;

  admin_access_options options_;
  std::array<std::uint8_t, 32> key_{};
};

/// True when a browser says `req` comes from a page of another origin: Sec-Fetch-Site is
/// present and not "same-origin", or Origin is present and is "null" or names another host and
/// port than the Host field. Requests without either (curl, scripts) are not cross-site.
bool cross_site_request(const request& req);

/// Adds GET /api/csrf: {"token":"..."}, setting the CSRF cookie when the request has none.
void add_csrf_route(router& r, std::shared_ptr<const admin_access> access);

}  // namespace gg::http

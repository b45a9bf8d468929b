#include <gadgetgrove/http/admin_access.hpp>

#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/random.hpp>
#include <gadgetgrove/core/sha256.hpp>
#include <gadgetgrove/http/basic_auth.hpp>

#include <algorithm>

namespace gg::http {
namespace {

constexpr std::size_t cookie_bytes = 32;
constexpr std::size_t cookie_chars = 43;  // base64url of 32 bytes, no padding
// Binds a tag to its use, so the key can never produce a token valid for something else.
constexpr std::string_view csrf_context = "gadgetgrove admin csrf v1\n";

bool safe_method(verb v) noexcept {
  return v == verb::get || v == verb::head || v == verb::options;
}

bool base64url_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool well_formed_cookie(std::string_view v) noexcept {
  return v.size() == cookie_chars && std::all_of(v.begin(), v.end(), base64url_char);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The host part of a Host field value ("127.0.0.1:8050", "[::1]:8050", "localhost").
std::string_view host_of(std::string_view authority) noexcept {
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? std::string_view{} : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.rfind(':'));
}

response refuse(unsigned status, std::string_view reason) {
  auto r = error_json(status, reason);
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

bool cross_site_request(const request& req) {
  if (const auto site = req.header("Sec-Fetch-Site")) {
    if (!iequals(trim(*site), "same-origin")) return true;
  }
  const auto origin = req.header("Origin");
  if (!origin) return false;
  const std::string_view o = trim(*origin);
  const auto scheme_end = o.find("://");
  const auto host = req.header("Host");
  if (!host || scheme_end == std::string_view::npos) return true;  // also "null"
  return !iequals(o.substr(scheme_end + 3), trim(*host));
}

admin_access::admin_access(admin_access_options options) : options_(std::move(options)) {
  secure_random(key_);
}

bool admin_access::has_credentials() const noexcept {
  return !options_.token.empty() || !options_.password.empty();
}

admin_access::authenticated admin_access::authenticate(const request& req) const {
  const auto header = req.header("Authorization");
  if (!header) return authenticated::none;
  std::string_view value = trim(*header);
  constexpr std::string_view bearer = "bearer ";
  if (value.size() > bearer.size() && iequals(value.substr(0, bearer.size()), bearer)) {
    const std::string_view given = trim(value.substr(bearer.size()));
    return !options_.token.empty() && constant_time_equal(given, options_.token)
               ? authenticated::bearer
               : authenticated::none;
  }
  if (options_.password.empty()) return authenticated::none;
  const auto basic = parse_basic_auth(value);
  return basic && constant_time_equal(basic->password, options_.password) ? authenticated::basic
                                                                          : authenticated::none;
}

std::optional<response> admin_access::check(const request& req) const {
  const std::string_view path = req.path();
  if (std::find(options_.open_paths.begin(), options_.open_paths.end(), path) !=
      options_.open_paths.end()) {
    return std::nullopt;
  }
  authenticated how = authenticated::none;
  if (has_credentials()) {
    how = authenticate(req);
    if (how == authenticated::none) {
      auto r = refuse(401, "authentication required");
      // One challenge per accepted scheme; Basic makes a browser ask for the password.
      if (!options_.password.empty()) {
        r.add_header("WWW-Authenticate",
                     "Basic realm=\"" + options_.realm + "\", charset=\"UTF-8\"");
      }
      if (!options_.token.empty()) {
        r.add_header("WWW-Authenticate", "Bearer realm=\"" + options_.realm + "\"");
      }
      return r;
    }
  } else if (const auto host = req.header("Host");
             host && !is_loopback_host(host_of(trim(*host)))) {
    return refuse(403,
                  "this admin listener has no credentials and answers only to loopback "
                  "host names; set --admin-token or --admin-password to reach it by "
                  "another name");
  }
  if (safe_method(req.method) || how == authenticated::bearer) return std::nullopt;
  if (cross_site_request(req)) return refuse(403, "cross-site request refused");
  if (!csrf_valid(req)) return refuse(403, "missing or invalid CSRF token");
  return std::nullopt;
}

std::string admin_access::csrf_token_for(std::string_view cookie_value) const {
  std::string message{csrf_context};
  message += cookie_value;
  const auto tag = hmac_sha256(key_, message);
  std::string out;
  append_base64url(out, tag);
  return out;
}

csrf_grant admin_access::issue_csrf(const request& req) const {
  csrf_grant g;
  std::string value;
  if (const auto c = req.cookie(csrf_cookie); c && well_formed_cookie(*c)) {
    value = std::string(*c);
  } else {
    value = random_token_urlsafe(cookie_bytes);
    g.set_cookie = std::string(csrf_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  }
  g.token = csrf_token_for(value);
  return g;
}

bool admin_access::csrf_valid(const request& req) const {
  const auto cookie = req.cookie(csrf_cookie);
  const auto sent = req.header(csrf_header);
  if (!cookie || !sent || !well_formed_cookie(*cookie)) return false;
  return constant_time_equal(trim(*sent), csrf_token_for(*cookie));
}

void add_csrf_route(router& r, std::shared_ptr<const admin_access> access) {
  r.add(verb::get, "/api/csrf", [access](request&& req, responder res) {
    auto grant = access->issue_csrf(req);
    std::string body = R"({"token":)";
    append_json_string(body, grant.token);
    body += '}';
    auto out = response::json(200, std::move(body));
    out.set_header("Cache-Control", "no-store");
    if (grant.set_cookie) out.add_header("Set-Cookie", std::move(*grant.set_cookie));
    std::move(res).send(std::move(out));
  });
}

}  // namespace gg::http

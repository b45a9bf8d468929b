#pragma once
// Cross-origin access to the ingest routes: which browser origins may post events and read
// the answers.

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/response.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::ingest {

/// An allow-list of origins compared exactly (scheme, host and port, as the browser sends
/// them); "*" allows every origin but only when listed explicitly. With an empty list no CORS
/// header is ever added, which suits a shop and ingest served from the same origin. Immutable
/// after construction; safe to share between threads.
class cors_policy {
 public:
  explicit cors_policy(std::vector<std::string> origins,
                       std::chrono::seconds max_age = std::chrono::seconds{600});

  bool enabled() const noexcept { return !origins_.empty(); }
  /// The Access-Control-Allow-Origin value for `origin`, or nullopt when it is not allowed.
  std::optional<std::string> allow_origin(std::string_view origin) const;

  /// Adds Access-Control-Allow-Origin (when the request's Origin is allowed) and Vary: Origin
  /// (whenever the policy is enabled, so caches keep answers for different origins apart).
  void apply(const http::request& req, http::response& res) const;

  /// The answer to an OPTIONS preflight: 204 with Allow-Methods `methods`, Allow-Headers
  /// (Content-Type, Authorization) and Max-Age when the origin is allowed; 403 otherwise.
  http::response preflight(const http::request& req, std::string_view methods) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
  std::chrono::seconds max_age_;
};

}  // namespace gg::ingest

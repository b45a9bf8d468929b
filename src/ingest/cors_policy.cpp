#include <gadgetgrove/ingest/cors_policy.hpp>

#include <algorithm>
#include <utility>

namespace gg::ingest {

cors_policy::cors_policy(std::vector<std::string> origins, std::chrono::seconds max_age)
    : origins_(std::move(origins)), max_age_(max_age) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

std::optional<std::string> cors_policy::allow_origin(std::string_view origin) const {
  if (origin.empty() || origins_.empty()) return std::nullopt;
  if (std::find(origins_.begin(), origins_.end(), origin) != origins_.end()) {
    return std::string{origin};
  }
  if (any_) return std::string{"*"};
  return std::nullopt;
}

void cors_policy::apply(const http::request& req, http::response& res) const {
  if (!enabled()) return;
  res.add_header("Vary", "Origin");
  const auto origin = req.header("Origin");
  if (!origin) return;
  if (auto allowed = allow_origin(*origin)) {
    res.set_header("Access-Control-Allow-Origin", std::move(*allowed));
  }
}

http::response cors_policy::preflight(const http::request& req, std::string_view methods) const {
  const auto origin = req.header("Origin");
  std::optional<std::string> allowed;
  if (origin) allowed = allow_origin(*origin);
  if (!allowed) {
    http::response res = http::error_json(403, "origin not allowed");
    if (enabled()) res.add_header("Vary", "Origin");
    return res;
  }
  http::response res;
  res.status = 204;
  res.set_header("Access-Control-Allow-Origin", std::move(*allowed));
  res.set_header("Access-Control-Allow-Methods", std::string{methods});
  res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization");
  res.set_header("Access-Control-Max-Age", std::to_string(max_age_.count()));
  res.add_header("Vary", "Origin");
  return res;
}

}  // namespace gg::ingest

#include <gadgetgrove/http/static_assets.hpp>

#include <gadgetgrove/core/sha256.hpp>

#include <string>

namespace gg::http {

bool etag_matches(std::optional<std::string_view> if_none_match, std::string_view etag) noexcept {
  if (!if_none_match) return false;
  std::string_view rest = *if_none_match;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view tag = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

response validated_response(const request& req, std::string_view content_type,
                            std::string_view body, std::string_view etag,
                            std::string_view cache_control) {
  response r;
  if (etag_matches(req.header("If-None-Match"), etag)) {
    r.status = 304;
  } else {
    r = response::typed(200, std::string{content_type}, std::string{body});
  }
  r.headers.reserve(r.headers.size() + 6);
  r.add_header("ETag", std::string{etag});
  r.add_header("Cache-Control", std::string{cache_control});
  return r;
}

response asset_response(const request& req, const static_asset& asset,
                        std::string_view cache_control) {
  return validated_response(req, asset.content_type, asset.body, asset.etag, cache_control);
}

std::string content_etag(std::string_view content) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto digest = sha256::of(content);
  std::string out;
  out.reserve(22);
  out.push_back('"');
  // 20 hex digits = the first 10 bytes, as cmake/embed_assets.cmake cuts the digest.
  for (std::size_t i = 0; i < 10; ++i) {
    out.push_back(digits[digest[i] >> 4]);
    out.push_back(digits[digest[i] & 0xf]);
  }
  out.push_back('"');
  return out;
}

}  // namespace gg::http

#pragma once
// The storefront's files (src/shop/web/), embedded into the binary at build time.

#include <span>
#include <string_view>

namespace gg::shop {

/// One embedded file. All views point into static storage.
struct static_asset {
  std::string_view path;          // relative to web/, e.g. "app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view etag;  // quoted strong validator from the content's SHA-256: "\"1a2b...\""
};

/// Every embedded file, sorted by path.
std::span<const static_asset> static_assets() noexcept;

/// The file at `path` (relative to web/); nullptr if none.
const static_asset* find_static_asset(std::string_view path) noexcept;

}  // namespace gg::shop

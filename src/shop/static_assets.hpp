#pragma once
// The storefront's files (src/shop/web/), embedded into the binary at build time.

#include <gadgetgrove/http/static_assets.hpp>

#include <span>
#include <string_view>

namespace gg::shop {

using static_asset = http::static_asset;

/// Every embedded file, sorted by path.
std::span<const static_asset> static_assets() noexcept;

/// The file at `path` (relative to web/); nullptr if none.
const static_asset* find_static_asset(std::string_view path) noexcept;

}  // namespace gg::shop

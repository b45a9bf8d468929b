#include <gadgetgrove/shop/static_assets.hpp>

#include "embedded_assets.hpp"

#include <algorithm>

namespace gg::shop {

std::span<const static_asset> static_assets() noexcept { return detail::embedded_assets(); }

const static_asset* find_static_asset(std::string_view path) noexcept {
  const auto assets = detail::embedded_assets();
  const auto it =
      std::lower_bound(assets.begin(), assets.end(), path,
                       [](const static_asset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

}  // namespace gg::shop

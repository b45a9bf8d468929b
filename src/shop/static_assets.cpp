#include "static_assets.hpp"

#include "gg_shop_assets.hpp"

namespace gg::shop {

std::span<const static_asset> static_assets() noexcept { return detail::embedded_assets().all(); }

const static_asset* find_static_asset(std::string_view path) noexcept {
  return detail::embedded_assets().find(path);
}

}  // namespace gg::shop

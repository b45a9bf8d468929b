#pragma once
// The shop's JSON documents (product lists, the storefront's state, order events) are built as
// boost::json values and written by gg::json_text with one rule for amounts: money as dollars
// with two decimals ("19.99", "20.00"), ratings with one ("4.0").

#include <gadgetgrove/core/json_text.hpp>
#include <gadgetgrove/shop/catalog.hpp>

#include <boost/json/object.hpp>

#include <cstdint>

namespace gg::shop {

inline constexpr json_decimals shop_decimals[] = {
    {"price", 2},  {"subtotal", 2},     {"shipping", 2},           {"tax", 2},
    {"total", 2},  {"client_total", 2}, {"free_shipping_from", 2}, {"shipping_fee", 2},
    {"rating", 1},
};

/// `cents` as the dollars member value written with shop_decimals: exact for any amount below
/// 2^53 cents.
inline double dollars(std::int64_t cents) noexcept { return static_cast<double>(cents) / 100.0; }

/// The product object the API returns:
/// {"id","name","price","category","brand","color","features","rating","in_stock"}.
boost::json::object product_object(const product& p);

}  // namespace gg::shop

#pragma once
// The shop's pricing rules, the one source for everything that prices an order: the checkout
// (shop), the storefront's initial state (which hands these figures to the browser's mirror in
// web/format.js, held to them by tests/unit/shop/pricing_mirror_test.cpp) and the traffic
// generator, which predicts what the shop will charge. Header-only and constexpr: this header is
// all that traffic uses of the shop (docs/layering.md).

#include <cstdint>

namespace gg::shop {

/// The money of an order, in cents.
struct order_totals {
  std::int64_t subtotal_cents = 0;
  std::int64_t shipping_cents = 0;
  std::int64_t tax_cents = 0;
  std::int64_t total_cents = 0;
};

inline constexpr std::int64_t free_shipping_from_cents = 9900;
inline constexpr std::int64_t shipping_fee_cents = 999;
inline constexpr std::int64_t tax_basis_points = 800;  // 8 %

/// The totals of an order whose items cost `subtotal_cents`: shipping is free for an empty order
/// and from free_shipping_from_cents on, else shipping_fee_cents; tax is tax_basis_points of the
/// subtotal, rounded half up.
constexpr order_totals price_order(std::int64_t subtotal_cents) noexcept {
  order_totals t;
  t.subtotal_cents = subtotal_cents;
  t.shipping_cents =
      subtotal_cents == 0 || subtotal_cents >= free_shipping_from_cents ? 0 : shipping_fee_cents;
  t.tax_cents = (subtotal_cents * tax_basis_points + 5000) / 10000;
  t.total_cents = t.subtotal_cents + t.shipping_cents + t.tax_cents;
  return t;
}

}  // namespace gg::shop

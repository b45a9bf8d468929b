#pragma once
// The probabilities and ranges behind a synthetic session (docs/reference/behaviour.md §7). Every
// field is a knob; the defaults give the traffic described there.

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace gg::traffic {

/// The reasons a simulated checkout fails on the shopper's side (behaviour.md §7), in draw order.
inline constexpr std::array<std::string_view, 3> checkout_error_reasons{
    "Payment Declined", "Shipping Address Invalid", "Item Out of Stock"};

/// What one synthetic session does, as probabilities and ranges. A plain value.
struct session_profile {
  /// Share of sessions that leave after the home page.
  double bounce_probability = 0.15;
  /// Categories visited by a session that does not bounce (with repeats), inclusive.
  unsigned min_categories = 2;
  unsigned max_categories = 6;
  /// Products viewed in each visited category, inclusive.
  unsigned min_products = 1;
  unsigned max_products = 3;
  /// Chance that a viewed, in-stock product is added to the cart, and its quantity range.
  double add_to_cart_probability = 0.65;
  unsigned min_quantity = 1;
  unsigned max_quantity = 3;
  /// With a non-empty cart: the checkout is begun; then it succeeds with this probability and
  /// otherwise ends in a checkout_error with one of checkout_error_reasons (equally likely).
  double purchase_probability = 0.80;
  /// Chance that a purchase also ends the shop session (the checkout form's checkbox).
  double end_session_probability = 0.10;
  /// Chance that a session ends with an explicit logout (and POST /api/session/end).
  double logout_probability = 0.05;

  /// Chance that a new visitor is a known user (identified, with a stable user id); returning
  /// visitors are always known.
  double known_user_probability = 0.70;
  /// After each visit of a known user, the chance that the user comes back later.
  double return_probability = 0.45;
  /// Mean and minimum gap before a returning user's next visit.
  std::chrono::hours return_mean_gap{96};
  std::chrono::hours return_min_gap{6};
  /// Most users waiting to return; beyond it, a user who would return is let go (bounded
  /// memory for endless runs).
  std::uint32_t max_waiting_users = 100'000;

  /// Think time between two actions of a session: log-uniform in [min, max].
  std::chrono::milliseconds min_think{2'000};
  std::chrono::milliseconds max_think{45'000};
};

}  // namespace gg::traffic

#pragma once
// The one session model behind serve's traffic, `gadgetgrove simulate` and GET /simulate.

#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>
#include "product_list.hpp"
#include "session_plan.hpp"
#include "visitor_pool.hpp"

#include <cstdint>
#include <string>

namespace gg::traffic {

/// Plans synthetic sessions (docs/reference/behaviour.md §7) from a seed: home; unless the visitor
/// bounces, 2-6 categories with 1-3 product views each, adding in-stock products to the cart; with
/// a non-empty cart, begin_checkout, then a purchase or a checkout_error; sometimes a logout.
/// Returning visitors come from a visitor_pool, so the user of a session depends on the
/// sessions planned before it and on their start times.
///
/// Determinism: the same seed, profile, product list and sequence of start times give the same
/// sequence of plans, with any compiler or standard library.
///
/// Not thread-safe: callers serialise next().
class session_model {
 public:
  session_model(session_profile profile, std::uint64_t seed);

  /// Plans the next session, starting (client time) at `start`. `products` must not be empty.
  session_plan next(const product_list& products, sys_us start);

  const session_profile& profile() const noexcept { return profile_; }
  const visitor_pool& visitors() const noexcept { return pool_; }
  std::uint64_t seed() const noexcept { return seed_; }
  std::uint64_t planned() const noexcept { return sequence_; }

 private:
  void fill_user(session_plan& plan) const;
  std::uint32_t think() noexcept;

  session_profile profile_;
  std::uint64_t seed_;
  prng rng_;
  visitor_pool pool_;
  std::uint64_t sequence_ = 0;
};

}  // namespace gg::traffic

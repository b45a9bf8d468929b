#pragma once
// How the events of simulated shoppers are told apart from real ones (docs/formats/
// enriched-event.md, "Synthetic events"). The traffic simulator (serve's own traffic,
// `gadgetgrove simulate`, the admin POST /simulate) writes `"_synthetic": true` into each
// event's properties (an identify's traits), and sends synthetic_header on its checkout
// requests so that the shop writes the same member into the order events it records for them.
// Staging derives is_synthetic from it; the analytics models leave such events out unless
// var include_synthetic is true.

#include <string_view>

namespace gg {

/// The member of `properties` (or `traits`) that marks a synthetic event when it is `true`.
inline constexpr std::string_view synthetic_property = "_synthetic";

/// The request header, with the value "1", of a simulated shopper's checkout.
inline constexpr std::string_view synthetic_header = "X-GadgetGrove-Synthetic";

}  // namespace gg

#pragma once
// A stand-in catalog for targets that do not serve GET /api/products (a plain web server in a
// benchmark, or a shop that is down when the run starts).

#include "product_list.hpp"

namespace gg::traffic::detail {

/// Two products in each of the shop's five categories, priced within the SPEC ranges.
product_list builtin_products();

}  // namespace gg::traffic::detail

#pragma once
// The products a synthetic shopper can browse, as the shop's GET /api/products lists them.

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::traffic {

struct product_entry {
  std::string id;  // "SM-1a2b3c4d"
  std::string name;
  std::string brand;
  std::string category;       // "Smartphones"
  std::string category_slug;  // "smartphones": the category's URL segment
  std::string price_text;     // the price as the API wrote it ("1299.99"), copied into events
  std::int64_t price_cents = 0;
  bool in_stock = true;
};

struct category_entry {
  std::string name;
  std::string slug;
  std::vector<std::uint32_t> products;  // indices into product_list::products()
};

/// An immutable list of products grouped by category, in the order the API listed them.
/// Safe to share between threads once built.
class product_list {
 public:
  product_list() = default;
  /// Groups `products` by category (in order of first appearance).
  explicit product_list(std::vector<product_entry> products);

  /// Parses a `{"products":[...]}` body. Errors (invalid_input) for malformed JSON, a product
  /// without a string id, name or category, or a price that is not a number; an empty list is
  /// an error too, since no session could be planned from it.
  static gg::result<product_list> parse(std::string_view json);

  std::span<const product_entry> products() const noexcept { return products_; }
  std::span<const category_entry> categories() const noexcept { return categories_; }
  bool empty() const noexcept { return products_.empty(); }

 private:
  std::vector<product_entry> products_;
  std::vector<category_entry> categories_;
};

/// The URL segment of a category name: ASCII lower case, spaces as '-'.
std::string category_slug(std::string_view name);

}  // namespace gg::traffic

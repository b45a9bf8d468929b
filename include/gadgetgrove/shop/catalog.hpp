#pragma once
// The product catalog: five categories of generated gadgets, reproducible from a seed.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::shop {

/// One catalog category and the price range its products are drawn from (whole dollars).
struct category_info {
  std::string_view slug;    // "smartphones": URL segment and ?category= value
  std::string_view name;    // "Smartphones": the `category` of its products
  std::string_view prefix;  // "SM": the first two characters of its product ids
  std::uint32_t min_price = 0;
  std::uint32_t max_price = 0;
};

/// The five categories in display order.
std::span<const category_info> categories() noexcept;

/// The category whose slug or name equals `key`, ASCII case-insensitively; nullptr if none.
const category_info* find_category(std::string_view key) noexcept;

struct product {
  std::string id;  // prefix + '-' + 8 lower-case hex digits, e.g. "SM-1a2b3c4d"
  std::string name;
  std::int64_t price_cents = 0;  // a multiple of ten dollars minus one cent: 129999
  std::string category;          // the category's name ("Smartphones")
  std::string category_slug;     // its slug ("smartphones")
  std::string brand;
  std::string color;
  std::string features_json;  // a compact JSON object of specs, e.g. {"storage":"256GB"}
  int rating_tenths = 45;     // 35 .. 50: the rating times ten
  bool in_stock = true;
};

/// Products per category that generate() makes, inclusive.
inline constexpr std::size_t min_products_per_category = 3;
inline constexpr std::size_t max_products_per_category = 5;

/// An immutable list of products with lookups by id and category. Safe to share between any
/// number of threads once constructed.
class catalog {
 public:
  /// The catalog for `seed`: 3-5 products per category drawn from a fixed, portable generator
  /// (gg::prng), so the same seed gives the same products with any compiler or library.
  static catalog generate(std::uint64_t seed);

  /// A catalog of given products (tests, fixtures); ids must be unique.
  catalog(std::uint64_t seed, std::vector<product> products);

  std::uint64_t seed() const noexcept { return seed_; }
  std::span<const product> products() const noexcept { return products_; }
  /// nullptr when no product has that id.
  const product* find(std::string_view id) const noexcept;
  /// The products of a category (by slug), in catalog order.
  std::vector<const product*> in_category(std::string_view slug) const;

 private:
  std::uint64_t seed_ = 0;
  std::vector<product> products_;
};

/// "1299.99" for 129999; negative amounts get a leading '-'.
std::string format_cents(std::int64_t cents);
/// "4.5" for 45.
std::string format_rating(int tenths);

/// Appends one product as the JSON object the API returns:
/// {"id","name","price","category","brand","color","features","rating","in_stock"}.
void append_product_json(std::string& out, const product& p);

/// {"products":[...]} for `items` in the order given.
std::string products_json(std::span<const product* const> items);

}  // namespace gg::shop

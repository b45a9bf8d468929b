#include <gadgetgrove/shop/catalog.hpp>

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/prng.hpp>
#include "shop_json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

namespace gg::shop {
namespace {

using names = std::span<const std::string_view>;

enum class spec_kind { text, flag, number };

/// One spec a product of the category may list: its key, the values to pick from, and how
/// often it appears at all (1.0: always).
struct spec_def {
  std::string_view key;
  spec_kind kind;
  names values;
  double presence;
};

struct category_def {
  category_info info;
  names brands;
  names name_prefixes;
  names colors;
  std::span<const spec_def> specs;
};

constexpr std::array<category_info, 5> category_table = {{
    {"smartphones", "Smartphones", "SM", 499, 1599},
    {"laptops", "Laptops", "LA", 799, 2999},
    {"tablets", "Tablets", "TA", 199, 1299},
    {"headphones", "Headphones", "HE", 69, 499},
    {"smartwatches", "Smartwatches", "SW", 149, 799},
}};

constexpr std::string_view no_values[] = {""};

// Smartphones
constexpr std::string_view sm_brands[] = {"Aurora", "Pixelwave", "Orbitel", "Lumen", "Vertex"};
constexpr std::string_view sm_prefixes[] = {"Edge", "Pulse", "Nova", "Prime", "Zen"};
constexpr std::string_view sm_colors[] = {"Midnight Black", "Glacier White", "Ocean Blue",
                                          "Sunset Gold", "Forest Green"};
constexpr std::string_view sm_storage[] = {"128GB", "256GB", "512GB", "1TB"};
constexpr std::string_view sm_screen[] = {"6.1\"", "6.4\"", "6.7\"", "6.9\""};
constexpr std::string_view sm_camera[] = {"48 MP", "50 MP", "108 MP", "200 MP"};
constexpr std::string_view sm_battery[] = {"4500 mAh", "5000 mAh", "5500 mAh"};
constexpr spec_def sm_specs[] = {
    {"storage", spec_kind::text, sm_storage, 1.0}, {"screen", spec_kind::text, sm_screen, 1.0},
    {"camera", spec_kind::text, sm_camera, 0.8},   {"5g", spec_kind::flag, no_values, 0.7},
    {"battery", spec_kind::text, sm_battery, 0.5},
};

// Laptops
constexpr std::string_view la_brands[] = {"Northbook", "Corelink", "Stratos", "Aeris", "Keystone"};
constexpr std::string_view la_prefixes[] = {"Air", "Pro", "Studio", "Flex", "Creator"};
constexpr std::string_view la_colors[] = {"Space Gray", "Silver", "Graphite", "Arctic White",
                                          "Midnight Blue"};
constexpr std::string_view la_processor[] = {"8-core 4.2 GHz", "10-core 4.6 GHz", "12-core 5.0 GHz",
                                             "16-core 5.4 GHz"};
constexpr std::string_view la_memory[] = {"8GB", "16GB", "32GB", "64GB"};
constexpr std::string_view la_storage[] = {"256GB SSD", "512GB SSD", "1TB SSD", "2TB SSD"};
constexpr std::string_view la_screen[] = {"13.3\"", "14\"", "15.6\"", "16\""};
constexpr std::string_view la_weight[] = {"1.1 kg", "1.3 kg", "1.6 kg", "2.1 kg"};
constexpr spec_def la_specs[] = {
    {"processor", spec_kind::text, la_processor, 1.0}, {"memory", spec_kind::text, la_memory, 1.0},
    {"storage", spec_kind::text, la_storage, 1.0},     {"screen", spec_kind::text, la_screen, 0.8},
    {"touchscreen", spec_kind::flag, no_values, 0.4},  {"weight", spec_kind::text, la_weight, 0.5},
};

// Tablets
constexpr std::string_view ta_brands[] = {"Slate & Co", "Tabula", "Aurora", "Lumen"};
constexpr std::string_view ta_prefixes[] = {"Tab", "Pad", "Canvas", "Folio"};
constexpr std::string_view ta_colors[] = {"Silver", "Space Gray", "Sky Blue", "Blush Pink", "Mint"};
constexpr std::string_view ta_storage[] = {"64GB", "128GB", "256GB", "512GB"};
constexpr std::string_view ta_screen[] = {"8.3\"", "10.9\"", "11\"", "12.9\""};
constexpr spec_def ta_specs[] = {
    {"storage", spec_kind::text, ta_storage, 1.0},
    {"screen", spec_kind::text, ta_screen, 1.0},
    {"stylus_support", spec_kind::flag, no_values, 0.6},
    {"cellular", spec_kind::flag, no_values, 0.5},
};

// Headphones
constexpr std::string_view he_brands[] = {"Sonora", "Bassline", "Echo Labs", "Halcyon", "Resonant"};
constexpr std::string_view he_prefixes[] = {"Studio", "Quiet", "Air", "Sport", "Wave"};
constexpr std::string_view he_colors[] = {"Matte Black", "Pearl White", "Navy", "Sand", "Crimson"};
constexpr std::string_view he_type[] = {"Over-ear", "On-ear", "In-ear", "True wireless"};
constexpr std::string_view he_battery[] = {"20", "30", "40", "60"};
constexpr std::string_view he_driver[] = {"10 mm", "40 mm", "50 mm"};
constexpr spec_def he_specs[] = {
    {"type", spec_kind::text, he_type, 1.0},
    {"noise_cancelling", spec_kind::flag, no_values, 0.8},
    {"battery_hours", spec_kind::number, he_battery, 0.7},
    {"driver", spec_kind::text, he_driver, 0.4},
};

// Smartwatches
constexpr std::string_view sw_brands[] = {"Chrono", "Vitalis", "Orbitel", "Meridian"};
constexpr std::string_view sw_prefixes[] = {"Fit", "Active", "Classic", "Trek", "Sport"};
constexpr std::string_view sw_colors[] = {"Black", "Silver", "Rose Gold", "Olive", "Ocean Blue"};
constexpr std::string_view sw_case[] = {"40mm", "42mm", "44mm", "46mm"};
constexpr std::string_view sw_water[] = {"5 ATM", "10 ATM", "IP68"};
constexpr std::string_view sw_battery[] = {"2", "5", "7", "14"};
constexpr spec_def sw_specs[] = {
    {"case_size", spec_kind::text, sw_case, 1.0},
    {"gps", spec_kind::flag, no_values, 0.8},
    {"lte", spec_kind::flag, no_values, 0.5},
    {"water_resistance", spec_kind::text, sw_water, 0.7},
    {"battery_days", spec_kind::number, sw_battery, 0.6},
};

constexpr std::string_view variants[] = {"", " Pro", " Max", " Lite", " Plus", " Ultra"};

const std::array<category_def, 5> definitions = {{
    {category_table[0], sm_brands, sm_prefixes, sm_colors, sm_specs},
    {category_table[1], la_brands, la_prefixes, la_colors, la_specs},
    {category_table[2], ta_brands, ta_prefixes, ta_colors, ta_specs},
    {category_table[3], he_brands, he_prefixes, he_colors, he_specs},
    {category_table[4], sw_brands, sw_prefixes, sw_colors, sw_specs},
}};

constexpr char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// A multiple of ten dollars minus one cent, inside [min, max] dollars.
std::int64_t draw_price_cents(prng& rng, std::uint32_t min, std::uint32_t max) {
  const auto dollars = rng.between(min, max);
  const std::int64_t lo = (static_cast<std::int64_t>(min) + 9) / 10;
  const std::int64_t hi = static_cast<std::int64_t>(max) / 10;
  const std::int64_t tens = std::clamp<std::int64_t>((dollars + 5) / 10, lo, hi);
  return tens * 1000 - 1;
}

std::string draw_features(prng& rng, std::span<const spec_def> specs) {
  std::string out = "{";
  for (const spec_def& spec : specs) {
    if (!rng.chance(spec.presence)) continue;
    if (out.size() > 1) out.push_back(',');
    gg::append_json_string(out, spec.key);
    out.push_back(':');
    switch (spec.kind) {
      case spec_kind::flag:
        out += rng.chance(0.5) ? "true" : "false";
        break;
      case spec_kind::number:
        out += rng.pick(spec.values);
        break;
      case spec_kind::text:
        gg::append_json_string(out, rng.pick(spec.values));
        break;
    }
  }
  out.push_back('}');
  return out;
}

std::string draw_id(prng& rng, std::string_view prefix) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(rng.next() & 0xffffffffu));
  std::string id{prefix};
  id.push_back('-');
  id.append(hex, 8);
  return id;
}

}  // namespace

std::span<const category_info> categories() noexcept { return category_table; }

const category_info* find_category(std::string_view key) noexcept {
  for (const auto& c : category_table) {
    if (iequals(c.slug, key) || iequals(c.name, key)) return &c;
  }
  return nullptr;
}

catalog catalog::generate(std::uint64_t seed) {
  std::vector<product> products;
  std::unordered_set<std::string> ids;
  std::unordered_set<std::string> product_names;
  for (std::size_t c = 0; c < definitions.size(); ++c) {
    const category_def& def = definitions[c];
    // One stream per category, so changing one category's lists leaves the others alone.
    prng rng(mix64(seed + golden_gamma * (c + 1)));
    const auto count = rng.between(min_products_per_category, max_products_per_category);
    for (std::int64_t i = 0; i < count; ++i) {
      product p;
      do {
        p.id = draw_id(rng, def.info.prefix);
      } while (!ids.insert(p.id).second);
      p.brand = rng.pick(def.brands);
      do {
        p.name = p.brand;
        p.name += ' ';
        p.name += rng.pick(def.name_prefixes);
        p.name += ' ';
        p.name += std::to_string(rng.between(2, 15));
        p.name += rng.pick(std::span<const std::string_view>(variants));
      } while (!product_names.insert(p.name).second);
      p.category = def.info.name;
      p.category_slug = def.info.slug;
      p.price_cents = draw_price_cents(rng, def.info.min_price, def.info.max_price);
      p.color = rng.pick(def.colors);
      p.features_json = draw_features(rng, def.specs);
      p.rating_tenths = static_cast<int>(rng.between(35, 50));
      p.in_stock = rng.chance(0.9);
      products.push_back(std::move(p));
    }
  }
  return catalog(seed, std::move(products));
}

catalog::catalog(std::uint64_t seed, std::vector<product> products)
    : seed_(seed), products_(std::move(products)) {
  std::unordered_set<std::string_view> seen;
  for (const auto& p : products_) {
    if (!seen.insert(p.id).second) throw std::invalid_argument("duplicate product id " + p.id);
  }
}

const product* catalog::find(std::string_view id) const noexcept {
  // A linear scan: the catalog has at most 25 products, fewer than a hash costs to compute.
  for (const auto& p : products_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::vector<const product*> catalog::in_category(std::string_view slug) const {
  std::vector<const product*> out;
  for (const auto& p : products_) {
    if (p.category_slug == slug) out.push_back(&p);
  }
  return out;
}

std::string format_cents(std::int64_t cents) {
  std::string out;
  if (cents < 0) {
    out.push_back('-');
    cents = -cents;
  }
  out += std::to_string(cents / 100);
  out.push_back('.');
  const auto frac = cents % 100;
  out.push_back(static_cast<char>('0' + frac / 10));
  out.push_back(static_cast<char>('0' + frac % 10));
  return out;
}

std::string format_rating(int tenths) {
  std::string out = std::to_string(tenths / 10);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + (tenths % 10 + 10) % 10));
  return out;
}

boost::json::object product_object(const product& p) {
  // The features are a compact JSON object made by the catalog (or read back from its table);
  // text that is not one is shown as no features rather than breaking the document.
  boost::json::error_code ec;
  boost::json::value features = boost::json::parse(p.features_json, ec);
  if (ec || !features.is_object()) features = boost::json::object{};
  return boost::json::object{
      {"id", p.id},
      {"name", p.name},
      {"price", dollars(p.price_cents)},
      {"category", p.category},
      {"brand", p.brand},
      {"color", p.color},
      {"features", std::move(features)},
      {"rating", static_cast<double>(p.rating_tenths) / 10.0},
      {"in_stock", p.in_stock},
  };
}

void append_product_json(std::string& out, const product& p) {
  append_json_value(out, product_object(p), shop_decimals);
}

std::string products_json(std::span<const product* const> items) {
  boost::json::array list;
  list.reserve(items.size());
  for (const product* p : items) list.push_back(product_object(*p));
  return json_text(boost::json::object{{"products", std::move(list)}}, shop_decimals);
}

}  // namespace gg::shop

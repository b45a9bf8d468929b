#include "product_list.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace gg::traffic {
namespace {

/// Cents of a decimal price text ("1299.99", "1300", "1299.9"); nullopt when it is not one.
std::optional<std::int64_t> parse_cents(std::string_view text) {
  std::int64_t whole = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, whole);
  if (ec != std::errc{}) return std::nullopt;
  std::int64_t cents = whole * 100;
  if (p == end) return cents;
  if (*p != '.') return std::nullopt;
  ++p;
  int digits = 0;
  std::int64_t fraction = 0;
  while (p != end && *p >= '0' && *p <= '9') {
    if (digits < 2) {
      fraction = fraction * 10 + (*p - '0');
      ++digits;
    }
    ++p;
  }
  if (p != end || digits == 0) return std::nullopt;
  if (digits == 1) fraction *= 10;
  return whole < 0 || text.front() == '-' ? cents - fraction : cents + fraction;
}

}  // namespace

std::string category_slug(std::string_view name) {
  std::string slug;
  slug.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == ' ') {
      slug.push_back('-');
    } else {
      slug.push_back(c);
    }
  }
  return slug;
}

product_list::product_list(std::vector<product_entry> products) : products_(std::move(products)) {
  for (std::uint32_t i = 0; i < products_.size(); ++i) {
    product_entry& p = products_[i];
    if (p.category_slug.empty()) p.category_slug = category_slug(p.category);
    category_entry* found = nullptr;
    for (auto& c : categories_) {
      if (c.name == p.category) {
        found = &c;
        break;
      }
    }
    if (found == nullptr) {
      categories_.push_back(category_entry{p.category, p.category_slug, {}});
      found = &categories_.back();
    }
    found->products.push_back(i);
  }
}

gg::result<product_list> product_list::parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) {
    return gg::fail(errc::invalid_input, "products: not JSON");
  }
  simdjson::dom::array items;
  if (doc["products"].get_array().get(items)) {
    return gg::fail(errc::invalid_input, "products: no \"products\" array");
  }
  std::vector<product_entry> out;
  for (simdjson::dom::element item : items) {
    product_entry p;
    std::string_view id, name, category, brand;
    if (item["id"].get_string().get(id) || item["name"].get_string().get(name) ||
        item["category"].get_string().get(category)) {
      return gg::fail(errc::invalid_input, "products: a product lacks id, name or category");
    }
    if (item["brand"].get_string().get(brand)) brand = {};
    simdjson::dom::element price;
    if (item["price"].get(price) || !price.is_number()) {
      return gg::fail(errc::invalid_input, "products: a price is not a number");
    }
    // The price is copied into events as the API wrote it, as the browser's JSON.stringify
    // would print the parsed number: shortest round-trip form.
    const double value = price.get_double().value_unsafe();
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    if (ec != std::errc{}) return gg::fail(errc::invalid_input, "products: a price is unusable");
    p.price_text.assign(buf, end);
    if (auto cents = parse_cents(p.price_text)) {
      p.price_cents = *cents;
    } else {
      p.price_cents = static_cast<std::int64_t>(std::llround(value * 100));
    }
    bool in_stock = true;
    if (item["in_stock"].get_bool().get(in_stock)) in_stock = true;
    p.id = id;
    p.name = name;
    p.brand = brand;
    p.category = category;
    p.in_stock = in_stock;
    out.push_back(std::move(p));
  }
  if (out.empty()) return gg::fail(errc::invalid_input, "products: the list is empty");
  return product_list(std::move(out));
}

}  // namespace gg::traffic

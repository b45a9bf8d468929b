#pragma once
// A small catalog for tests: three categories, every product in stock unless asked.

#include "product_list.hpp"

namespace gg::traffic::test {

inline product_list test_products(bool all_in_stock = true) {
  auto p = [](const char* id, const char* name, const char* brand, const char* category,
              const char* price, std::int64_t cents, bool in_stock) {
    product_entry e;
    e.id = id;
    e.name = name;
    e.brand = brand;
    e.category = category;
    e.price_text = price;
    e.price_cents = cents;
    e.in_stock = in_stock;
    return e;
  };
  return product_list({
      p("SM-00000001", "Phone One", "Acme", "Smartphones", "899.99", 89999, true),
      p("SM-00000002", "Phone \"Two\"", "Acme", "Smartphones", "499.99", 49999, true),
      p("LA-00000001", "Laptop One", "Bolt", "Laptops", "1299.99", 129999, all_in_stock),
      p("HE-00000001", "Buds", "Cord", "Headphones", "69.99", 6999, true),
      p("HE-00000002", "Cans", "Cord", "Headphones", "199.99", 19999, true),
  });
}

}  // namespace gg::traffic::test

#include "builtin_products.hpp"

namespace gg::traffic::detail {

product_list builtin_products() {
  auto p = [](const char* id, const char* name, const char* brand, const char* category,
              const char* price, std::int64_t cents) {
    product_entry e;
    e.id = id;
    e.name = name;
    e.brand = brand;
    e.category = category;
    e.price_text = price;
    e.price_cents = cents;
    return e;
  };
  return product_list({
      p("SM-0a1b2c3d", "Galaxy Nova 12", "Samsung", "Smartphones", "899.99", 89999),
      p("SM-4e5f6a7b", "Pixel Edge Pro", "Google", "Smartphones", "1099.99", 109999),
      p("LA-1c2d3e4f", "ZenBook Air 14", "Asus", "Laptops", "1299.99", 129999),
      p("LA-5a6b7c8d", "ThinkPad Carbon X", "Lenovo", "Laptops", "1899.99", 189999),
      p("TA-2b3c4d5e", "Tab Ultra 11", "Samsung", "Tablets", "649.99", 64999),
      p("TA-6f7a8b9c", "MatePad Slim", "Huawei", "Tablets", "399.99", 39999),
      p("HE-3c4d5e6f", "Quiet Studio 700", "Bose", "Headphones", "349.99", 34999),
      p("HE-7d8e9f0a", "Pulse Buds Pro", "Sony", "Headphones", "199.99", 19999),
      p("SM-8e9f0a1b", "Watch Active 5", "Samsung", "Smartwatches", "299.99", 29999),
      p("SM-9f0a1b2c", "Fit Sense 3", "Fitbit", "Smartwatches", "229.99", 22999),
  });
}

}  // namespace gg::traffic::detail

#include <gadgetgrove/shop/catalog.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace {

using gg::shop::catalog;
using gg::shop::categories;
using gg::shop::product;

bool same_product(const product& a, const product& b) {
  return a.id == b.id && a.name == b.name && a.price_cents == b.price_cents &&
         a.category == b.category && a.category_slug == b.category_slug && a.brand == b.brand &&
         a.color == b.color && a.features_json == b.features_json &&
         a.rating_tenths == b.rating_tenths && a.in_stock == b.in_stock;
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

TEST_CASE("the same catalog seed generates the same products", "[unit][shop]") {
  const auto a = catalog::generate(42);
  const auto b = catalog::generate(42);
  REQUIRE(a.products().size() == b.products().size());
  for (std::size_t i = 0; i < a.products().size(); ++i) {
    CHECK(same_product(a.products()[i], b.products()[i]));
  }
  CHECK(a.seed() == 42);
}

TEST_CASE("the catalog generator is pinned, so a seed means the same catalog everywhere",
          "[unit][shop]") {
  // Fixed by the gg::prng stream (xoshiro256** seeded through splitmix64): any change here
  // changes every stored catalog.
  const auto c = catalog::generate(42);
  REQUIRE(c.products().size() == 21);
  CHECK(c.products()[0].id == "SM-3be27527");
  CHECK(c.products()[0].name == "Lumen Nova 10 Ultra");
  CHECK(c.products()[0].price_cents == 101999);
  CHECK(c.products()[0].features_json == R"({"storage":"1TB","screen":"6.4\"","camera":"48 MP"})");
  CHECK(c.products()[5].id == "LA-1de3a1d0");
  CHECK(c.products()[20].id == "SW-aaba0135");
}

TEST_CASE("different catalog seeds generate different products", "[unit][shop]") {
  const auto a = catalog::generate(1);
  const auto b = catalog::generate(2);
  std::set<std::string> ids;
  for (const auto& p : a.products()) ids.insert(p.id);
  std::size_t shared = 0;
  for (const auto& p : b.products()) shared += ids.count(p.id);
  CHECK(shared == 0);
}

TEST_CASE("every category gets three to five products that follow its rules", "[unit][shop]") {
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 1234567ull, 0xffffffffffffffffull}) {
    CAPTURE(seed);
    const auto c = catalog::generate(seed);
    std::set<std::string> ids;
    std::set<std::string> names;
    for (const auto& info : categories()) {
      CAPTURE(info.name);
      const auto items = c.in_category(info.slug);
      CHECK(items.size() >= gg::shop::min_products_per_category);
      CHECK(items.size() <= gg::shop::max_products_per_category);
      for (const product* p : items) {
        CAPTURE(p->id, p->name);
        // id: two-letter category prefix, '-', eight lower-case hex digits.
        REQUIRE(p->id.size() == 11);
        CHECK(p->id.substr(0, 2) == info.prefix);
        CHECK(p->id[2] == '-');
        CHECK(std::all_of(p->id.begin() + 3, p->id.end(), lower_hex));
        CHECK(ids.insert(p->id).second);
        CHECK(names.insert(p->name).second);
        // price: tens of dollars minus one cent, inside the category's range.
        CHECK(p->price_cents % 1000 == 999);
        CHECK(p->price_cents >= static_cast<std::int64_t>(info.min_price) * 100);
        CHECK(p->price_cents <= static_cast<std::int64_t>(info.max_price) * 100);
        CHECK(p->rating_tenths >= 35);
        CHECK(p->rating_tenths <= 50);
        CHECK(p->category == info.name);
        CHECK(p->category_slug == info.slug);
        CHECK(p->name.rfind(p->brand + ' ', 0) == 0);
        CHECK(!p->color.empty());
        simdjson::dom::parser parser;
        simdjson::dom::object features;
        CHECK(parser.parse(p->features_json).get_object().get(features) == simdjson::SUCCESS);
        CHECK(c.find(p->id) == p);
      }
    }
    CHECK(c.find("SM-00000000") == nullptr);
  }
}

TEST_CASE("about nine in ten generated products are in stock", "[unit][shop]") {
  std::size_t total = 0;
  std::size_t in_stock = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const auto c = catalog::generate(seed);
    for (const auto& p : c.products()) {
      ++total;
      in_stock += p.in_stock ? 1 : 0;
    }
  }
  const double share = static_cast<double>(in_stock) / static_cast<double>(total);
  CHECK(share > 0.87);
  CHECK(share < 0.93);
}

TEST_CASE("categories are found by slug or name in any case", "[unit][shop]") {
  REQUIRE(categories().size() == 5);
  CHECK(gg::shop::find_category("laptops")->prefix == "LA");
  CHECK(gg::shop::find_category("Laptops")->slug == "laptops");
  CHECK(gg::shop::find_category("SMARTWATCHES")->name == "Smartwatches");
  CHECK(gg::shop::find_category("toasters") == nullptr);
  CHECK(gg::shop::find_category("") == nullptr);
}

TEST_CASE("money and ratings are formatted with fixed decimals", "[unit][shop]") {
  CHECK(gg::shop::format_cents(129999) == "1299.99");
  CHECK(gg::shop::format_cents(5) == "0.05");
  CHECK(gg::shop::format_cents(0) == "0.00");
  CHECK(gg::shop::format_cents(-1050) == "-10.50");
  CHECK(gg::shop::format_rating(45) == "4.5");
  CHECK(gg::shop::format_rating(50) == "5.0");
}

TEST_CASE("the product JSON has the API's fields and escapes its strings", "[unit][shop]") {
  product p;
  p.id = "SM-00c0ffee";
  p.name = "Nova \"X\" <b>";
  p.price_cents = 49999;
  p.category = "Smartphones";
  p.category_slug = "smartphones";
  p.brand = "Aurora";
  p.color = "Ocean Blue";
  p.features_json = R"({"5g":true})";
  p.rating_tenths = 41;
  p.in_stock = false;
  const catalog c(7, {p});
  std::vector<const product*> items{&c.products()[0]};
  CHECK(gg::shop::products_json(items) ==
        R"({"products":[{"id":"SM-00c0ffee","name":"Nova \"X\" <b>","price":499.99,)"
        R"("category":"Smartphones","brand":"Aurora","color":"Ocean Blue","features":{"5g":true},)"
        R"("rating":4.1,"in_stock":false}]})");
  CHECK(gg::shop::products_json({}) == R"({"products":[]})");
}

TEST_CASE("a catalog refuses duplicate product ids", "[unit][shop]") {
  product p;
  p.id = "SM-00000001";
  CHECK_THROWS_AS(catalog(1, {p, p}), std::invalid_argument);
}

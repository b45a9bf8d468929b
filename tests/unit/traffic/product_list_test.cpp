#include "product_list.hpp"

#include <catch2/catch.hpp>

using gg::traffic::product_list;

TEST_CASE("the API's product list is parsed and grouped by category", "[unit][traffic]") {
  auto list = product_list::parse(R"({"products":[
    {"id":"SM-1a2b3c4d","name":"Galaxy","price":1299.99,"category":"Smartphones","brand":"Samsung",
     "color":"Black","features":{"storage":"256GB"},"rating":4.5,"in_stock":true},
    {"id":"LA-00000001","name":"Book","price":1300,"category":"Laptops","brand":"Asus","in_stock":false},
    {"id":"SM-00000002","name":"Pixel","price":499.9,"category":"Smartphones","brand":"Google"}]})");
  REQUIRE(list.has_value());
  REQUIRE(list->products().size() == 3);
  const auto& p = list->products()[0];
  CHECK(p.id == "SM-1a2b3c4d");
  CHECK(p.price_text == "1299.99");
  CHECK(p.price_cents == 129999);
  CHECK(p.category_slug == "smartphones");
  CHECK(list->products()[1].price_text == "1300");
  CHECK(list->products()[1].price_cents == 130000);
  CHECK_FALSE(list->products()[1].in_stock);
  CHECK(list->products()[2].price_cents == 49990);
  CHECK(list->products()[2].in_stock);
  REQUIRE(list->categories().size() == 2);
  CHECK(list->categories()[0].name == "Smartphones");
  CHECK(list->categories()[0].products == std::vector<std::uint32_t>{0, 2});
  CHECK(list->categories()[1].slug == "laptops");
}

TEST_CASE("malformed or empty product lists are refused with a reason", "[unit][traffic]") {
  CHECK_FALSE(product_list::parse("not json").has_value());
  CHECK_FALSE(product_list::parse(R"({"items":[]})").has_value());
  CHECK_FALSE(product_list::parse(R"({"products":[]})").has_value());
  CHECK_FALSE(product_list::parse(R"({"products":[{"id":"x","name":"y"}]})").has_value());
  auto bad_price =
      product_list::parse(R"({"products":[{"id":"x","name":"y","category":"Z","price":"1"}]})");
  REQUIRE_FALSE(bad_price.has_value());
  CHECK(bad_price.error().code == gg::errc::invalid_input);
}

TEST_CASE("category slugs are lower case with dashes", "[unit][traffic]") {
  CHECK(gg::traffic::category_slug("Smart Watches") == "smart-watches");
  CHECK(gg::traffic::category_slug("Headphones") == "headphones");
}

// The storefront's JavaScript mirrors the shop's pricing rules so the cart shows what the order
// will cost. This test runs the mirror (web/format.js, under node) over a grid of carts and holds
// every figure to shop::price_order. node is a prerequisite: without it the test fails.

#include <gadgetgrove/shop/pricing.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::filesystem::path source_dir() {
  const char* env = std::getenv("GG_SOURCE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::filesystem::path{__FILE__}.parent_path().parent_path().parent_path().parent_path();
}

std::string dollars(std::int64_t cents) {
  return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
         std::to_string(cents % 100);
}

struct cart_line {
  std::int64_t price_cents;
  std::int64_t quantity;
};

}  // namespace

TEST_CASE("the storefront's pricing mirror computes every cart as the shop does", "[unit][shop]") {
  // A file: URL needs an absolute path: a relative one would name a host.
  const auto format_js =
      std::filesystem::absolute(source_dir() / "src" / "shop" / "web" / "format.js");
  REQUIRE(std::filesystem::exists(format_js));
  REQUIRE(std::system("node --version > /dev/null 2>&1") == 0);  // node is required, not optional

  std::vector<std::vector<cart_line>> carts = {{}};
  for (const std::int64_t price : {1, 99, 999, 4949, 4950, 9899, 9900, 9901, 12345, 199999}) {
    for (const std::int64_t quantity : {1, 2, 3, 7}) carts.push_back({{price, quantity}});
  }
  carts.push_back({{2999, 1}, {6900, 1}});     // exactly at the free-shipping threshold
  carts.push_back({{2999, 1}, {6899, 1}});     // one cent below it
  carts.push_back({{6, 1}, {7, 3}, {19, 2}});  // tax rounding at half a cent

  std::ostringstream js;
  js << "import { orderTotals } from 'file://" << format_js.string() << "';\n"
     << "const pricing = { free_shipping_from: " << dollars(gg::shop::free_shipping_from_cents)
     << ", shipping_fee: " << dollars(gg::shop::shipping_fee_cents)
     << ", tax_basis_points: " << gg::shop::tax_basis_points << " };\n"
     << "const carts = [";
  for (const auto& cart : carts) {
    js << "[";
    for (const auto& line : cart)
      js << "{price:" << dollars(line.price_cents) << ",quantity:" << line.quantity << "},";
    js << "],";
  }
  js << "];\nfor (const c of carts) { const t = orderTotals(c, pricing);\n"
     << "  console.log(`${t.subtotal} ${t.shipping} ${t.tax} ${t.total}`); }\n";

  const auto script = std::filesystem::temp_directory_path() /
                      ("gg-pricing-mirror-" + std::to_string(::getpid()) + ".mjs");
  {
    std::ofstream out(script);
    out << js.str();
  }
  const std::string command = "node " + script.string() + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::string output;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe.get())) output.append(buf, n);
  std::filesystem::remove(script);
  INFO("node output:\n" << output);

  std::istringstream lines(output);
  for (const auto& cart : carts) {
    std::int64_t subtotal = 0;
    for (const auto& line : cart) subtotal += line.price_cents * line.quantity;
    const auto want = gg::shop::price_order(subtotal);
    std::int64_t s = -1, shipping = -1, tax = -1, total = -1;
    REQUIRE(lines >> s >> shipping >> tax >> total);
    INFO("subtotal " << subtotal);
    CHECK(s == want.subtotal_cents);
    CHECK(shipping == want.shipping_cents);
    CHECK(tax == want.tax_cents);
    CHECK(total == want.total_cents);
  }
}

TEST_CASE("pricing: free shipping from the threshold, tax rounded half up", "[unit][shop]") {
  using gg::shop::price_order;
  static_assert(price_order(0).total_cents == 0);
  CHECK(price_order(9899).shipping_cents == gg::shop::shipping_fee_cents);
  CHECK(price_order(9900).shipping_cents == 0);
  CHECK(price_order(6).tax_cents == 0);  // 0.48 cents
  CHECK(price_order(7).tax_cents == 1);  // 0.56 cents
  CHECK(price_order(10000).total_cents == 10800);
}

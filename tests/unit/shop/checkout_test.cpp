#include <gadgetgrove/shop/checkout.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

namespace {

using gg::shop::catalog;
using gg::shop::parse_checkout;
using gg::shop::product;

product make(std::string id, std::int64_t cents, bool in_stock = true) {
  product p;
  p.id = std::move(id);
  p.name = "Item " + p.id;
  p.price_cents = cents;
  p.category = "Smartphones";
  p.category_slug = "smartphones";
  p.brand = "Aurora";
  p.color = "Black";
  p.features_json = "{}";
  p.in_stock = in_stock;
  return p;
}

const catalog& test_catalog() {
  static const catalog c(1, {make("SM-00000001", 49999), make("HE-00000002", 6999),
                             make("LA-00000003", 129999, false)});
  return c;
}

std::string body(std::string items, std::string extra = "") {
  return R"({"name":"Ada Lovelace","email":"ada.lovelace@example.com","items":)" + items + extra +
         "}";
}

std::string reason_of(std::string_view b) {
  auto r = parse_checkout(b, test_catalog());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == gg::errc::invalid_input);
  return r.error().message;
}

}  // namespace

TEST_CASE("a valid checkout body is parsed against the catalog", "[unit][shop]") {
  auto r = parse_checkout(
      body(
          R"([{"product_id":"SM-00000001","quantity":2},{"product_id":"HE-00000002","quantity":1.0}])",
          R"(,"total":1234.5,"end_session":true)"),
      test_catalog());
  REQUIRE(r.has_value());
  CHECK(r->name == "Ada Lovelace");
  CHECK(r->email == "ada.lovelace@example.com");
  REQUIRE(r->lines.size() == 2);
  CHECK(r->lines[0].item->id == "SM-00000001");
  CHECK(r->lines[0].quantity == 2);
  CHECK(r->lines[1].quantity == 1);
  CHECK(r->client_total == Approx(1234.5));
  CHECK(r->end_session);
}

TEST_CASE("end_session and total are optional", "[unit][shop]") {
  auto r = parse_checkout(
      body(R"([{"product_id":"SM-00000001","quantity":1}])", R"(,"total":null,"end_session":null)"),
      test_catalog());
  REQUIRE(r.has_value());
  CHECK_FALSE(r->end_session);
  CHECK_FALSE(r->client_total);
}

TEST_CASE("invalid checkouts are refused with a reason", "[unit][shop]") {
  CHECK(reason_of("{not json") == "the body is not valid JSON");
  CHECK(reason_of("") == "the body is not valid JSON");
  CHECK(reason_of("[1,2]") == "the body must be a JSON object");
  CHECK(reason_of(R"({"email":"a@b.co","items":[]})") == "name is required");
  CHECK(reason_of(R"({"name":"  ","email":"a@b.co","items":[]})") == "name is required");
  CHECK(reason_of(R"({"name":"A","items":[]})") == "email is required");
  CHECK(reason_of(R"({"name":"A","email":"nobody","items":[]})") == "email is not a valid address");
  CHECK(reason_of(R"({"name":"A","email":"a@@b.co","items":[]})") ==
        "email is not a valid address");
  CHECK(reason_of(R"({"name":")" + std::string(201, 'x') + R"(","email":"a@b.co","items":[]})") ==
        "name is too long (at most 200 characters)");
  CHECK(reason_of(body("[]")) == "items must be a non-empty list");
  CHECK(reason_of(body(R"("SM-00000001")")) == "items must be a non-empty list");
  CHECK(reason_of(body("[42]")) == "each item needs a product_id and a quantity");
  CHECK(reason_of(body(R"([{"quantity":1}])")) == "each item needs a product_id and a quantity");
  CHECK(reason_of(body(R"([{"product_id":"SM-deadbeef","quantity":1}])")) ==
        "unknown product: SM-deadbeef");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":0}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":100}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":-3}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":1.5}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":"2"}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001"}])")) ==
        "quantity of SM-00000001 must be a whole number from 1 to 99");
  CHECK(reason_of(body(R"([{"product_id":"LA-00000003","quantity":1}])")) ==
        "Item LA-00000003 is out of stock");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":1}])", R"(,"total":"12")")) ==
        "total must be a number");
  CHECK(reason_of(body(R"([{"product_id":"SM-00000001","quantity":1}])",
                       R"(,"end_session":"yes")")) == "end_session must be true or false");
}

TEST_CASE("a client total outside 0..100000000 or not a finite number is refused", "[unit][shop]") {
  const std::string items = R"([{"product_id":"SM-00000001","quantity":1}])";
  const std::string range = "total must be a number from 0 to 100000000";
  CHECK(reason_of(body(items, R"(,"total":1e300)")) == range);
  CHECK(reason_of(body(items, R"(,"total":-1e300)")) == range);
  CHECK(reason_of(body(items, R"(,"total":-0.01)")) == range);
  CHECK(reason_of(body(items, R"(,"total":100000000.01)")) == range);
  CHECK(reason_of(body(items, R"(,"total":18446744073709551615)")) == range);
  // JSON has no NaN or infinity: spelled out they are not JSON, too large they do not parse.
  CHECK(reason_of(body(items, R"(,"total":NaN)")) == "the body is not valid JSON");
  CHECK(reason_of(body(items, R"(,"total":Infinity)")) == "the body is not valid JSON");
  CHECK(reason_of(body(items, R"(,"total":1e400)")) == "the body is not valid JSON");
  CHECK(reason_of(body(items, R"(,"total":18446744073709551616)")) == "the body is not valid JSON");
  CHECK(reason_of(body(items, R"(,"total":"NaN")")) == "total must be a number");
}

TEST_CASE("client totals at the ends of the range are accepted", "[unit][shop]") {
  const std::string items = R"([{"product_id":"SM-00000001","quantity":1}])";
  auto zero = parse_checkout(body(items, R"(,"total":0)"), test_catalog());
  REQUIRE(zero.has_value());
  CHECK(zero->client_total == Approx(0.0));
  auto most = parse_checkout(body(items, R"(,"total":100000000)"), test_catalog());
  REQUIRE(most.has_value());
  CHECK(most->client_total == Approx(1e8));
  auto cents = parse_checkout(body(items, R"(,"total":99999999.99)"), test_catalog());
  REQUIRE(cents.has_value());
  CHECK(cents->client_total == Approx(99999999.99));
}

TEST_CASE("an echoed unknown product id is cut short", "[unit][shop]") {
  const std::string id(500, 'Z');
  CHECK(reason_of(body(R"([{"product_id":")" + id + R"(","quantity":1}])")) ==
        "unknown product: " + std::string(64, 'Z') + "...");
}

TEST_CASE("an order may have at most 100 lines", "[unit][shop]") {
  std::string items = "[";
  for (int i = 0; i < 101; ++i) {
    if (i > 0) items += ',';
    items += R"({"product_id":"SM-00000001","quantity":1})";
  }
  items += "]";
  CHECK(reason_of(body(items)) == "too many items (at most 100 lines)");
}

TEST_CASE("order totals add shipping below the threshold and 8% tax", "[unit][shop]") {
  const auto& c = test_catalog();
  const gg::shop::order_line cheap[] = {{c.find("HE-00000002"), 1}};  // 69.99
  auto t = gg::shop::compute_totals(cheap);
  CHECK(t.subtotal_cents == 6999);
  CHECK(t.shipping_cents == 999);
  CHECK(t.tax_cents == 560);  // 559.92 rounded
  CHECK(t.total_cents == 6999 + 999 + 560);

  const gg::shop::order_line big[] = {{c.find("SM-00000001"), 2}, {c.find("HE-00000002"), 3}};
  t = gg::shop::compute_totals(big);
  CHECK(t.subtotal_cents == 2 * 49999 + 3 * 6999);
  CHECK(t.shipping_cents == 0);
  CHECK(t.tax_cents == (t.subtotal_cents * 8 + 50) / 100);
  CHECK(t.total_cents == t.subtotal_cents + t.tax_cents);

  CHECK(gg::shop::compute_totals({}).total_cents == 0);
}

TEST_CASE("the payment simulator never declines at rate 0 and always at rate 1", "[unit][shop]") {
  gg::shop::payment_simulator never(0.0, 7);
  gg::shop::payment_simulator always(1.0, 7);
  const auto reasons = gg::shop::payment_failure_reasons();
  const std::set<std::string_view> allowed(reasons.begin(), reasons.end());
  std::set<std::string_view> seen;
  for (int i = 0; i < 1000; ++i) {
    CHECK_FALSE(never.charge());
    const auto r = always.charge();
    REQUIRE(r.has_value());
    CHECK(allowed.count(*r) == 1);
    seen.insert(*r);
  }
  CHECK(seen == allowed);
  CHECK(allowed == std::set<std::string_view>{"Payment Declined", "Insufficient Funds",
                                              "Card Verification Failed", "Network Error"});
}

TEST_CASE("the payment simulator declines about the configured share, reproducibly",
          "[unit][shop]") {
  gg::shop::payment_simulator a(0.1, 99);
  gg::shop::payment_simulator b(0.1, 99);
  int declined = 0;
  for (int i = 0; i < 20'000; ++i) {
    const auto ra = a.charge();
    const auto rb = b.charge();
    CHECK(ra == rb);
    declined += ra ? 1 : 0;
  }
  CHECK(declined > 1700);
  CHECK(declined < 2300);
  CHECK(gg::shop::payment_simulator(7.0, 1).failure_rate() == 1.0);
  CHECK(gg::shop::payment_simulator(-1.0, 1).failure_rate() == 0.0);
}

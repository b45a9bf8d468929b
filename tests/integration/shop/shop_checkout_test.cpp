#include "shop_server.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace {

using namespace std::chrono_literals;
using gg::shop::test::cookie_pair;
using gg::shop::test::json_doc;
using gg::shop::test::order_sink;
using gg::shop::test::shop_server;
using gg::shop::test::test_config;

std::string order_body(const std::string& product_id, int quantity, bool end_session = false) {
  return R"({"name":"Ada Lovelace","email":"ada.lovelace@example.com","items":[{"product_id":")" +
         product_id + R"(","quantity":)" + std::to_string(quantity) + R"(}],"total":1.0,)" +
         R"("end_session":)" + (end_session ? "true" : "false") + "}";
}

const gg::shop::product& buyable(shop_server& s) {
  for (const auto& p : s.shop().products().products()) {
    if (p.in_stock) return p;
  }
  FAIL("no product in stock");
  throw;
}

std::string session_cookie(gg::test::http_client& c) {
  return cookie_pair(*c.get("/api/session").header("Set-Cookie"));
}

}  // namespace

TEST_CASE("a successful checkout answers after its order event is recorded",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto created = c.get("/api/session");
  const std::string cookie = cookie_pair(*created.header("Set-Cookie"));
  json_doc session(created.body);
  const auto& p = buyable(s);

  const auto r = c.post("/checkout", order_body(p.id, 2), "application/json",
                        {{"Cookie", cookie}, {"User-Agent", "shop-test/1.0"}});
  CHECK(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-store");
  json_doc doc(r.body);
  CHECK(doc.str("status") == "success");
  const std::string order_id = doc.str("order_id");
  CHECK(order_id.size() == 36);
  CHECK(doc.root["session_ended"].get_bool().value() == false);
  const auto totals = gg::shop::compute_totals(std::vector<gg::shop::order_line>{{&p, 2}});
  CHECK(doc.root["total"].get_double().value() ==
        Approx(static_cast<double>(totals.total_cents) / 100));

  const auto events = s.sink->events();
  REQUIRE(events.size() == 1);
  json_doc event(events[0]);
  CHECK(event.str("type") == "custom_event");
  CHECK(event.str("event") == "order_completed");
  CHECK(event.str("sessionId") == session.str("session_id"));
  CHECK(event.str("client_ip") == "127.0.0.1");
  CHECK(event.str("user_agent") == "shop-test/1.0");
  CHECK(event.str("userId") == std::string{session.root["user"]["id"].get_string().value()});
  const auto props = event.root["properties"];
  CHECK(std::string_view{props["order_id"].get_string()} == order_id);
  CHECK(std::string_view{props["session_id"].get_string()} == session.str("session_id"));
  CHECK(std::string_view{props["items"].at(0)["product_id"].get_string()} == p.id);
  CHECK(props["items"].at(0)["quantity"].get_int64().value() == 2);
  CHECK(props["total"].get_double().value() ==
        Approx(static_cast<double>(totals.total_cents) / 100));
  CHECK(props["client_total"].get_double().value() == Approx(1.0));
  CHECK(props["reason"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(events[0].find("ada.lovelace") == std::string::npos);  // no contact data in events

  // The session lives on.
  CHECK(c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}}).status == 200);
}

TEST_CASE("a simulated shopper's checkout records an order event marked synthetic",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto& p = buyable(s);
  REQUIRE(c.post("/checkout", order_body(p.id, 1), "application/json",
                 {{"X-GadgetGrove-Synthetic", "1"}})
              .status != 503);
  // Without the header, or with another value, the order is a real one.
  REQUIRE(c.post("/checkout", order_body(p.id, 1)).status != 503);
  REQUIRE(c.post("/checkout", order_body(p.id, 1), "application/json",
                 {{"X-GadgetGrove-Synthetic", "0"}})
              .status != 503);
  const auto events = s.sink->events();
  REQUIRE(events.size() == 3);
  CHECK(json_doc(events[0]).root["properties"]["_synthetic"].get_bool().value() == true);
  CHECK(json_doc(events[1]).root["properties"]["_synthetic"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(json_doc(events[2]).root["properties"]["_synthetic"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("end_session ends the session and clears its cookie", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const std::string cookie = session_cookie(c);
  const auto r = c.post("/checkout", order_body(buyable(s).id, 1, true), "application/json",
                        {{"Cookie", cookie}});
  CHECK(r.status == 200);
  CHECK(json_doc(r.body).root["session_ended"].get_bool().value() == true);
  REQUIRE(r.header("Set-Cookie"));
  CHECK(r.header("Set-Cookie")->find("Max-Age=0") != std::string::npos);
  CHECK(c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}}).status == 400);
}

TEST_CASE("a checkout without a session still succeeds, with nothing to end",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto r = c.post("/checkout", order_body(buyable(s).id, 1, true));
  CHECK(r.status == 200);
  CHECK(json_doc(r.body).root["session_ended"].get_bool().value() == false);
  json_doc event(s.sink->events().at(0));
  CHECK(event.root["sessionId"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("a declined payment is a 400 with its reason and an order_failed event",
          "[integration][shop]") {
  auto config = test_config();
  config.checkout_failure_rate = 1.0;
  shop_server s(config);
  auto c = s.client();
  const std::string cookie = session_cookie(c);
  const std::set<std::string> reasons{"Payment Declined", "Insufficient Funds",
                                      "Card Verification Failed", "Network Error"};
  for (int i = 0; i < 8; ++i) {
    const auto r = c.post("/checkout", order_body(buyable(s).id, 1, true), "application/json",
                          {{"Cookie", cookie}});
    CHECK(r.status == 400);
    json_doc doc(r.body);
    CHECK(doc.str("status") == "error");
    CHECK(doc.str("error") == "payment failed");
    CHECK(reasons.count(doc.str("reason")) == 1);
    json_doc event(s.sink->events().back());
    CHECK(event.str("event") == "order_failed");
    CHECK(std::string_view{event.root["properties"]["order_id"].get_string()} ==
          doc.str("order_id"));
    CHECK(std::string_view{event.root["properties"]["reason"].get_string()} == doc.str("reason"));
    CHECK(r.header("Set-Cookie") == std::nullopt);  // a failed order does not end the session
  }
}

TEST_CASE("the failure rate declines about one checkout in ten by default", "[integration][shop]") {
  auto config = test_config();
  config.checkout_failure_rate = 0.1;
  shop_server s(config);
  auto c = s.client();
  int declined = 0;
  for (int i = 0; i < 300; ++i) {
    declined += c.post("/checkout", order_body(buyable(s).id, 1)).status == 400 ? 1 : 0;
  }
  CHECK(declined >= 12);
  CHECK(declined <= 54);
  CHECK(s.sink->events().size() == 300);
}

TEST_CASE("invalid checkouts are refused with a reason and record no order",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto reason = [&](const std::string& body) {
    const auto r = c.post("/checkout", body);
    CHECK(r.status == 400);
    json_doc doc(r.body);
    CHECK(doc.str("status") == "error");
    return doc.str("reason");
  };
  CHECK(reason("{oops") == "the body is not valid JSON");
  CHECK(reason(order_body("SM-00000000", 1)) == "unknown product: SM-00000000");
  CHECK(reason(order_body(buyable(s).id, 0)) ==
        "quantity of " + buyable(s).id + " must be a whole number from 1 to 99");
  CHECK(reason(order_body(buyable(s).id, 100)) ==
        "quantity of " + buyable(s).id + " must be a whole number from 1 to 99");
  CHECK(reason(R"({"name":"A","email":"a@b.co","items":[]})") == "items must be a non-empty list");
  CHECK(s.sink->events().empty());

  const auto form = c.post("/checkout", "name=x", "application/x-www-form-urlencoded");
  CHECK(form.status == 415);
  const auto cross = c.post("/checkout", order_body(buyable(s).id, 1), "application/json",
                            {{"Origin", "https://evil.example"}});
  CHECK(cross.status == 403);
  CHECK(c.get("/checkout").status == 405);
  CHECK(s.sink->events().empty());
}

TEST_CASE("an out-of-range client total is refused and an in-range one is echoed exactly",
          "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  const auto with_total = [&](const std::string& total) {
    return R"({"name":"Ada Lovelace","email":"ada.lovelace@example.com","items":[{"product_id":")" +
           buyable(s).id + R"(","quantity":1}],"total":)" + total + "}";
  };
  for (const std::string total : {"1e300", "-1", "-1e300", "1e17", "-0.01"}) {
    INFO("total " << total);
    const auto r = c.post("/checkout", with_total(total));
    CHECK(r.status == 400);
    json_doc doc(r.body);
    CHECK(doc.str("reason") == "total must be a number from 0 to 100000000");
  }
  CHECK(s.sink->events().empty());

  const auto ok = c.post("/checkout", with_total("99999999.99"));
  REQUIRE(ok.status == 200);
  const auto events = s.sink->events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].find(R"("client_total":99999999.99)") != std::string::npos);
}

TEST_CASE("an order that cannot be recorded is answered 503 with Retry-After",
          "[integration][shop]") {
  shop_server s;
  s.sink->set_mode(order_sink::mode::refuse);
  auto c = s.client();
  const std::string cookie = session_cookie(c);
  const auto r = c.post("/checkout", order_body(buyable(s).id, 1, true), "application/json",
                        {{"Cookie", cookie}});
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(json_doc(r.body).str("status") == "error");
  // Nothing was sold, so the session is not ended either.
  CHECK(c.post("/api/session/refresh", "", "application/json", {{"Cookie", cookie}}).status == 200);
}

TEST_CASE("the checkout answer waits until the order event is durable", "[integration][shop]") {
  shop_server s;
  s.sink->set_mode(order_sink::mode::hold);
  auto c = s.client();
  c.send_raw(gg::test::http_client::format_request(
      "POST", "/checkout", order_body(buyable(s).id, 1), {{"Content-Type", "application/json"}}));
  c.set_timeout(300ms);
  CHECK_THROWS(c.read_reply());
  CHECK(s.sink->events().size() == 1);

  // drain() reports the order still waiting for its event.
  CHECK_FALSE(s.shop().drain(std::chrono::steady_clock::now() + 50ms).has_value());

  s.sink->release();
  c.set_timeout(5s);
  const auto r = c.read_reply();
  CHECK(r.status == 200);
  CHECK(s.shop().drain(std::chrono::steady_clock::now() + 1s).has_value());
}

TEST_CASE("a stopping shop takes no new orders", "[integration][shop]") {
  shop_server s;
  auto c = s.client();
  s.shop().request_stop();
  const auto r = c.post("/checkout", order_body(buyable(s).id, 1));
  CHECK(r.status == 503);
  CHECK(s.sink->events().empty());
  CHECK(s.shop().health().state == gg::health_state::stopped);
}

#include "session_driver.hpp"

#include "test_products.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace gg::traffic;
using namespace gg::traffic::detail;

namespace {

struct wire_request {
  std::string method, target, body;
  std::map<std::string, std::string> headers;
};

wire_request parse_request(const std::string& raw) {
  wire_request r;
  const auto head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  auto line_end = head.find("\r\n");
  const std::string first = head.substr(0, line_end);
  const auto sp1 = first.find(' '), sp2 = first.rfind(' ');
  r.method = first.substr(0, sp1);
  r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  REQUIRE(first.substr(sp2 + 1) == "HTTP/1.1");
  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    r.headers[line.substr(0, colon)] = line.substr(colon + 2);
    pos = end + 2;
  }
  if (r.method == "POST") REQUIRE(std::stoul(r.headers.at("Content-Length")) == r.body.size());
  return r;
}

/// The events of an analytics request body, each as its JSON text.
std::vector<std::string> events_of_body(const wire_request& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(r.body).get(doc) == simdjson::SUCCESS);
  std::vector<std::string> out;
  if (doc.is_array()) {
    REQUIRE(r.target == "/api/analytics/batch");
    for (auto e : doc.get_array()) out.push_back(simdjson::minify(e));
  } else {
    REQUIRE(r.target == "/api/analytics");
    out.push_back(simdjson::minify(doc));
  }
  return out;
}

class recorded_acks final : public ack_sink {
 public:
  void acknowledged(std::string_view id) override { ids.emplace_back(id); }
  std::vector<std::string> ids;
};

/// Plays a driver against a scripted shop; records what was sent.
struct shop_script {
  std::vector<wire_request> requests;
  std::vector<std::string> events;  // every event object, in order
  recorded_acks acks;
  unsigned checkout_status = 200;
  std::string checkout_reason = "Insufficient Funds";
  bool batch_rejects_second = false;
  bool checkout_outcome_ok = false;  // how the driver judged the checkout's answer

  void play(session_driver& d) {
    int guard = 0;
    while (!d.finished()) {
      REQUIRE(++guard < 200);
      if (!d.in_step()) d.begin_step(*gg::parse_iso8601("2026-11-26T10:00:00.250Z"));
      std::string out;
      d.write_request(out);
      wire_request r = parse_request(out);
      requests.push_back(r);
      std::vector<std::string_view> cookies;
      std::string body;
      unsigned status = 200;
      if (r.target == "/api/session") {
        body = R"({"session_id":"shop-session-1","user":{"id":"u-shop","name":"Shop User",)"
               R"("first_name":"Shop","email":"shop.user@example.com"},"new":true})";
        cookies.push_back("gadgetgrove_session=tok123; Path=/; HttpOnly; SameSite=Lax");
      } else if (r.target.rfind("/api/analytics", 0) == 0) {
        const auto evs = events_of_body(r);
        events.insert(events.end(), evs.begin(), evs.end());
        if (evs.size() == 1) {
          body = R"({"status":"success","queue":"page_views","event_id":"id-)" +
                 std::to_string(events.size()) + "\"}";
        } else {
          body = R"({"status":"success","results":[)";
          for (std::size_t i = 0; i < evs.size(); ++i) {
            if (i > 0) body += ',';
            if (batch_rejects_second && i == 1) {
              body += R"({"status":"error","error":"invalid_timestamp"})";
            } else {
              body +=
                  R"({"status":"success","queue":"q","event_id":"b-)" + std::to_string(i) + "\"}";
            }
          }
          body += "]}";
        }
      } else if (r.target == "/checkout") {
        status = checkout_status;
        body = status == 200 ? R"({"status":"success","order_id":"order-9","session_ended":false,)"
                               R"("total":1409.98})"
                             : R"({"status":"error","error":"payment failed","reason":")" +
                                   checkout_reason + "\"}";
      }
      const auto outcome = d.on_reply(status, body, cookies, &acks);
      if (r.target == "/checkout") checkout_outcome_ok = outcome.ok;
    }
  }
};

session_plan plan_of(std::vector<session_step> steps, bool known = true,
                     checkout_plan checkout = checkout_plan::none) {
  session_plan p;
  p.start = *gg::parse_iso8601("2026-11-26T10:00:00Z");
  if (known) {
    p.user_number = 1;
    p.user_id = "11111111-2222-4333-8444-555555555555";
    p.user_name = "Ava Smith";
    p.user_email = "ava.smith@example.com";
  }
  p.checkout = checkout;
  p.steps = std::move(steps);
  return p;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element e;
  REQUIRE(parser.parse(json).get(e) == simdjson::SUCCESS);
  return e;
}

}  // namespace

TEST_CASE("a full session sends the browser's requests with the tracker's events",
          "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"127.0.0.1:8000", "http://127.0.0.1:8000", true, true};
  id_source ids;
  // Category 0 = Smartphones (products 0, 1), category 2 = Headphones (3, 4).
  session_driver d(settings, products,
                   plan_of({{step_kind::home, 0},
                            {step_kind::category, 1000, 0},
                            {step_kind::product, 2000, 0, 0},
                            {step_kind::add_to_cart, 2500, 0, 0, 1},
                            {step_kind::category, 3000, 2},
                            {step_kind::product, 4000, 2, 4},
                            {step_kind::add_to_cart, 4500, 2, 4, 2},
                            {step_kind::begin_checkout, 5000},
                            {step_kind::checkout, 6000}},
                           true, checkout_plan::purchase),
                   ids);
  shop_script shop;
  shop.play(d);

  std::vector<std::string> lines;
  for (const auto& r : shop.requests) lines.push_back(r.method + " " + r.target);
  CHECK(lines == std::vector<std::string>{
                     "GET /", "GET /api/session", "POST /api/analytics/batch",
                     "GET /category/smartphones", "GET /api/products?category=smartphones",
                     "POST /api/analytics/batch", "GET /category/smartphones/product/SM-00000001",
                     "POST /api/analytics/batch", "POST /api/analytics", "GET /category/headphones",
                     "GET /api/products?category=headphones", "POST /api/analytics/batch",
                     "GET /category/headphones/product/HE-00000002", "POST /api/analytics/batch",
                     "POST /api/analytics", "POST /api/analytics", "POST /checkout",
                     "POST /api/analytics"});
  // The cookie jar: none before the shop set it, then on every request.
  CHECK(shop.requests[0].headers.count("Cookie") == 0);
  CHECK(shop.requests[1].headers.count("Cookie") == 0);
  for (std::size_t i = 2; i < shop.requests.size(); ++i) {
    CHECK(shop.requests[i].headers.at("Cookie") == "gadgetgrove_session=tok123");
    CHECK(shop.requests[i].headers.at("Host") == "127.0.0.1:8000");
    if (shop.requests[i].method == "POST") {
      CHECK(shop.requests[i].headers.at("Origin") == "http://127.0.0.1:8000");
      CHECK(shop.requests[i].headers.at("Content-Type") == "application/json");
    }
  }

  simdjson::dom::parser parser;
  REQUIRE(shop.events.size() == 14);
  std::vector<std::string> names;
  std::vector<std::string> ids_seen;
  for (const auto& text : shop.events) {
    auto e = parse(parser, text);
    const std::string_view type = e["type"];
    names.emplace_back(type == "custom_event" ? std::string_view(e["event"]) : type);
    CHECK(std::string_view(e["sessionId"]) == "shop-session-1");
    CHECK(std::string_view(e["timestamp"]) == "2026-11-26T10:00:00.250Z");
    const std::string_view message_id = e["messageId"];
    CHECK(message_id.size() == 36);
    ids_seen.emplace_back(message_id);
    if (type != "identify") {
      CHECK(std::string_view(e["userId"]) == "11111111-2222-4333-8444-555555555555");
    }
  }
  CHECK(names == std::vector<std::string>{"page_view", "identify", "page_view", "category_view",
                                          "page_view", "product_view", "add_to_cart", "page_view",
                                          "category_view", "page_view", "product_view",
                                          "add_to_cart", "begin_checkout", "purchase"});
  std::sort(ids_seen.begin(), ids_seen.end());
  CHECK(std::unique(ids_seen.begin(), ids_seen.end()) == ids_seen.end());

  auto home = parse(parser, shop.events[0]);
  CHECK(std::string_view(home["url"]) == "http://127.0.0.1:8000/");
  CHECK(std::string_view(home["path"]) == "/");
  CHECK(std::string_view(home["referrer"]) == "");
  auto identify = parse(parser, shop.events[1]);
  CHECK(std::string_view(identify["userId"]) == "11111111-2222-4333-8444-555555555555");
  CHECK(std::string_view(identify["traits"]["name"]) == "Ava Smith");
  CHECK(std::string_view(identify["traits"]["email"]) == "ava.smith@example.com");
  auto category_page = parse(parser, shop.events[2]);
  CHECK(std::string_view(category_page["referrer"]) == "http://127.0.0.1:8000/");
  CHECK(std::string_view(category_page["title"]) == "Smartphones \xc2\xb7 GadgetGrove");
  CHECK(std::string_view(parse(parser, shop.events[3])["properties"]["category"]) == "Smartphones");
  auto add = parse(parser, shop.events[11])["properties"];
  CHECK(std::string_view(add["product_id"]) == "HE-00000002");
  CHECK(std::string_view(add["name"]) == "Cans");
  CHECK(std::string_view(add["brand"]) == "Cord");
  CHECK(std::string_view(add["category"]) == "Headphones");
  CHECK(double(add["price"]) == Approx(199.99));
  CHECK(int64_t(add["quantity"]) == 2);
  // 899.99 + 2 * 199.99 = 1299.97; free shipping; 8 % tax (104.00) = 1403.97.
  auto begin = parse(parser, shop.events[12])["properties"];
  CHECK(double(begin["value"]) == Approx(1403.97));
  CHECK(int64_t(begin["item_count"]) == 3);
  auto purchase = parse(parser, shop.events[13])["properties"];
  CHECK(std::string_view(purchase["transaction_id"]) == "order-9");
  CHECK(double(purchase["value"]) == Approx(1409.98));  // the server's total wins

  auto checkout = parse(parser, shop.requests[16].body);
  CHECK(std::string_view(checkout["name"]) == "Ava Smith");
  CHECK(std::string_view(checkout["email"]) == "ava.smith@example.com");
  CHECK(double(checkout["total"]) == Approx(1403.97));
  CHECK_FALSE(bool(checkout["end_session"]));
  auto items = checkout["items"].get_array();
  REQUIRE(items.size() == 2);
  CHECK(std::string_view(items.at(1)["product_id"]) == "HE-00000002");
  CHECK(int64_t(items.at(1)["quantity"]) == 2);

  // Every event acknowledged, under the ids the server gave.
  CHECK(shop.acks.ids.size() == 14);
  CHECK(shop.acks.ids[0] == "b-0");
  CHECK(shop.acks.ids[6] == "id-7");
  // The recorded copy for GET /simulate is the same events.
  auto recorded = parse(parser, "[" + d.recorded_events() + "]");
  CHECK(recorded.get_array().size() == 14);
  CHECK(d.session_id() == "shop-session-1");
}

TEST_CASE("an anonymous visitor sends no identify and no userId", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(settings, products, plan_of({{step_kind::home, 0}}, false), ids);
  shop_script shop;
  shop.play(d);
  REQUIRE(shop.requests.size() == 2);
  CHECK(shop.requests[0].target == "/api/session");
  CHECK(shop.requests[1].target == "/api/analytics");
  REQUIRE(shop.events.size() == 1);
  CHECK(shop.events[0].find("userId") == std::string::npos);
  CHECK(d.recorded_events().empty());
}

TEST_CASE("a planned checkout error is tracked with its SPEC reason and no order",
          "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  auto plan = plan_of({{step_kind::home, 0},
                       {step_kind::add_to_cart, 10, 0, 3, 1},
                       {step_kind::begin_checkout, 20},
                       {step_kind::checkout, 30}},
                      true, checkout_plan::error);
  plan.error_reason = 1;
  session_driver d(settings, products, plan, ids);
  shop_script shop;
  shop.play(d);
  for (const auto& r : shop.requests) CHECK(r.target != "/checkout");
  simdjson::dom::parser parser;
  auto e = parse(parser, shop.events.back());
  CHECK(std::string_view(e["event"]) == "checkout_error");
  CHECK(std::string_view(e["properties"]["reason"]) == "Shipping Address Invalid");
  CHECK(std::string_view(e["properties"]["error"]) == "Shipping Address Invalid");
  // 69.99 + 9.99 shipping + 5.60 tax.
  CHECK(double(e["properties"]["value"]) == Approx(85.58));
}

TEST_CASE("a checkout the shop declines is tracked with the shop's reason", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(
      settings, products,
      plan_of(
          {{step_kind::home, 0}, {step_kind::add_to_cart, 10, 0, 0, 1}, {step_kind::checkout, 30}},
          false, checkout_plan::purchase),
      ids);
  shop_script shop;
  shop.checkout_status = 400;
  shop.play(d);
  CHECK(shop.checkout_outcome_ok);
  simdjson::dom::parser parser;
  auto body = parse(parser, shop.requests[3].body);
  // An anonymous shopper checks out under the shop session's user.
  CHECK(std::string_view(body["name"]) == "Shop User");
  CHECK(std::string_view(body["email"]) == "shop.user@example.com");
  auto e = parse(parser, shop.events.back());
  CHECK(std::string_view(e["event"]) == "checkout_error");
  CHECK(std::string_view(e["properties"]["reason"]) == "Insufficient Funds");
}

TEST_CASE("batch answers acknowledge events one by one", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(settings, products, plan_of({{step_kind::home, 0}}), ids);
  d.begin_step(gg::sys_us{});
  std::string out;
  d.write_request(out);  // GET /api/session
  (void)d.on_reply(200, "{}", {}, nullptr);
  d.write_request(out);
  CHECK(d.request_events() == 2);
  recorded_acks acks;
  auto r = d.on_reply(200,
                      R"({"status":"success","results":[{"status":"error","error":"too_deep"},)"
                      R"({"status":"success","queue":"user_events","event_id":"E2"}]})",
                      {}, &acks);
  CHECK(r.ok);
  CHECK(r.acked == 1);
  CHECK(r.rejected == 1);
  CHECK(acks.ids == std::vector<std::string>{"E2"});
  CHECK(d.finished());
}

TEST_CASE("a plain 2xx acknowledges the events under their own message ids", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(settings, products, plan_of({{step_kind::home, 0}}), ids);
  d.begin_step(gg::sys_us{});
  std::string out;
  d.write_request(out);
  (void)d.on_reply(204, "", {}, nullptr);
  d.write_request(out);
  recorded_acks acks;
  auto r = d.on_reply(204, "", {}, &acks);
  CHECK(r.acked == 2);
  REQUIRE(acks.ids.size() == 2);
  CHECK(out.find(acks.ids[0]) != std::string::npos);
  CHECK(out.find(acks.ids[1]) != std::string::npos);
}

TEST_CASE("refused and failed event requests are not acknowledged", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(settings, products, plan_of({{step_kind::home, 0}, {step_kind::category, 5, 0}}),
                   ids);
  d.begin_step(gg::sys_us{});
  std::string out;
  d.write_request(out);
  // The shop is down: the session keeps a local id and the rest of the step is skipped.
  d.on_failure();
  CHECK(d.step() == 1);
  CHECK(d.session_id().size() == 36);
  d.begin_step(gg::sys_us{});
  d.write_request(out);
  recorded_acks acks;
  auto r = d.on_reply(400, R"({"status":"error","error":"not_json"})", {}, &acks);
  CHECK_FALSE(r.ok);
  CHECK(r.rejected == 2);
  CHECK(acks.ids.empty());
  CHECK(d.finished());
}

TEST_CASE("a cleared cookie is dropped from the jar", "[unit][traffic]") {
  auto products = std::make_shared<const product_list>(test::test_products());
  driver_settings settings{"h:1", "http://h:1", false, false};
  id_source ids;
  session_driver d(settings, products, plan_of({{step_kind::home, 0}, {step_kind::logout, 5}}),
                   ids);
  shop_script shop;
  shop.play(d);
  REQUIRE(shop.requests.size() == 4);
  CHECK(shop.requests[3].target == "/api/session/end");
  CHECK(shop.requests[3].headers.at("Cookie") == "gadgetgrove_session=tok123");
  std::string out;
  session_driver d2(settings, products, plan_of({{step_kind::home, 0}, {step_kind::home, 5}}), ids);
  d2.begin_step(gg::sys_us{});
  d2.write_request(out);
  (void)d2.on_reply(200, "{}", {"gadgetgrove_session=abc; Path=/"}, nullptr);
  d2.write_request(out);
  CHECK(out.find("Cookie: gadgetgrove_session=abc") != std::string::npos);
  (void)d2.on_reply(200, "{}", {"gadgetgrove_session=; Max-Age=0; Path=/"}, nullptr);
  d2.begin_step(gg::sys_us{});
  d2.write_request(out);
  CHECK(out.find("Cookie:") == std::string::npos);
}

#include "fake_shop.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

namespace gg::traffic::test {
namespace {

constexpr std::string_view products_json =
    R"({"products":[)"
    R"({"id":"SM-0000000a","name":"Phone A","price":899.99,"category":"Smartphones","brand":"Acme","color":"Black","features":{},"rating":4.5,"in_stock":true},)"
    R"({"id":"SM-0000000b","name":"Phone B","price":499.99,"category":"Smartphones","brand":"Acme","color":"Blue","features":{},"rating":4.1,"in_stock":true},)"
    R"({"id":"LA-0000000a","name":"Laptop A","price":1299.99,"category":"Laptops","brand":"Bolt","color":"Grey","features":{},"rating":4.8,"in_stock":true},)"
    R"({"id":"HE-0000000a","name":"Buds","price":69.99,"category":"Headphones","brand":"Cord","color":"White","features":{},"rating":3.9,"in_stock":false},)"
    R"({"id":"SM-0000000c","name":"Watch","price":299.99,"category":"Smartwatches","brand":"Tick","color":"Red","features":{},"rating":4.0,"in_stock":true}]})";

bool has_string(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS;
}

}  // namespace

fake_shop::fake_shop(fake_shop_options options) : options_(std::move(options)) {
  using http::request;
  using http::responder;
  using http::response;
  using http::verb;
  auto routes = std::make_shared<http::router>();
  auto page = [this](request&& req, responder res) {
    note(req);
    std::move(res).send(response::typed(200, "text/html; charset=utf-8", "<!doctype html><p>shop"));
  };
  routes->add(verb::get, "/", page);
  routes->add(verb::get, "/category/{slug}", page);
  routes->add(verb::get, "/category/{slug}/product/{id}", page);
  routes->add(verb::get, "/api/products", [this](request&& req, responder res) {
    note(req);
    std::move(res).send(response::json(200, std::string(products_json)));
  });
  routes->add(verb::get, "/api/session", [this](request&& req, responder res) {
    note(req);
    const auto n = sessions_.fetch_add(1) + 1;
    const std::string id = "session-" + std::to_string(n);
    {
      std::lock_guard lock(mu_);
      issued_sessions_.insert(id);
    }
    auto r = response::json(200, R"({"session_id":")" + id +
                                     R"(","user":{"id":"u","name":"Shop User","email":)"
                                     R"("shop.user@example.com"},"new":true})");
    r.add_header("Set-Cookie",
                 "gadgetgrove_session=tok" + std::to_string(n) + "; Path=/; HttpOnly");
    std::move(res).send(std::move(r));
  });
  routes->add(
      verb::post, "/api/analytics",
      [this](request&& req, responder res) {
        note(req);
        const verdict v = check_event(req.body);
        events_.fetch_add(1);
        const auto nth = seen_events_.fetch_add(1) + 1;
        if (!v.ok || (options_.reject_every != 0 && nth % options_.reject_every == 0)) {
          std::move(res).send(http::error_json(400, "invalid_message_id"));
          return;
        }
        {
          std::lock_guard lock(mu_);
          acked_.push_back(v.id);
        }
        std::move(res).send(response::json(
            200, R"({"status":"success","queue":"event_queue","event_id":")" + v.id + "\"}"));
      },
      http::route_options{512 * 1024});
  routes->add(
      verb::post, "/api/analytics/batch",
      [this](request&& req, responder res) {
        note(req);
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        simdjson::dom::array items;
        if (parser.parse(req.body).get(doc) || doc.get_array().get(items)) {
          malformed_.fetch_add(1);
          std::move(res).send(http::error_json(400, "not_array"));
          return;
        }
        std::string body = R"({"status":"success","results":[)";
        bool first = true;
        for (auto item : items) {
          const verdict v = check_event(simdjson::minify(item));
          events_.fetch_add(1);
          const auto nth = seen_events_.fetch_add(1) + 1;
          if (!first) body += ',';
          first = false;
          if (!v.ok || (options_.reject_every != 0 && nth % options_.reject_every == 0)) {
            body += R"({"status":"error","error":"invalid_timestamp"})";
            continue;
          }
          {
            std::lock_guard lock(mu_);
            acked_.push_back(v.id);
          }
          body += R"({"status":"success","queue":"event_queue","event_id":")" + v.id + "\"}";
        }
        body += "]}";
        std::move(res).send(response::json(200, std::move(body)));
      },
      http::route_options{512 * 1024});
  routes->add(verb::post, "/checkout", [this](request&& req, responder res) {
    note(req);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view name;
    simdjson::dom::array items;
    if (parser.parse(req.body).get(doc) || doc["name"].get(name) || doc["items"].get(items) ||
        items.size() == 0) {
      std::move(res).send(http::error_json(400, "invalid checkout"));
      return;
    }
    std::move(res).send(response::json(
        200, R"({"status":"success","order_id":"order-1","session_ended":false,"total":10.5})"));
  });
  routes->add(verb::post, "/api/session/end", [this](request&& req, responder res) {
    note(req);
    auto r = response::json(200, R"({"status":"ended"})");
    r.add_header("Set-Cookie", "gadgetgrove_session=; Max-Age=0; Path=/");
    std::move(res).send(std::move(r));
  });
  if (options_.extra_routes) options_.extra_routes(*routes, ioc_);

  http::server_options opts;
  opts.name = "fake_shop";
  opts.host = "127.0.0.1";
  opts.port = 0;
  server_.emplace(ioc_, opts, routes);
  auto ep = server_->listen();
  REQUIRE(ep.has_value());
  port_ = ep->port;
  server_->start();
  work_.emplace(ioc_.get_executor());
  for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
}

fake_shop::~fake_shop() {
  stop();
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
}

void fake_shop::stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stop();
  (void)server_->drain(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

void fake_shop::note(const http::request& req) {
  requests_.fetch_add(1);
  std::lock_guard lock(mu_);
  lines_.push_back(std::string(http::to_string(req.method)) + " " + req.target);
}

fake_shop::verdict fake_shop::check_event(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  verdict v;
  std::string_view type, message_id, session_id, timestamp;
  if (parser.parse(json.data(), json.size()).get(e) || e["type"].get(type) ||
      e["messageId"].get(message_id) || e["timestamp"].get(timestamp) ||
      e["sessionId"].get(session_id)) {
    malformed_.fetch_add(1);
    return v;
  }
  bool shaped = false;
  if (type == "page_view") {
    shaped = has_string(e, "url") && has_string(e, "path") && has_string(e, "title") &&
             has_string(e, "referrer");
  } else if (type == "custom_event") {
    simdjson::dom::object props;
    shaped = has_string(e, "event") && e["properties"].get(props) == simdjson::SUCCESS;
  } else if (type == "identify") {
    shaped = has_string(e, "userId") && has_string(e["traits"], "name") &&
             has_string(e["traits"], "email");
  }
  if (!shaped || message_id.size() != 36) {
    malformed_.fetch_add(1);
    return v;
  }
  {
    std::lock_guard lock(mu_);
    if (issued_sessions_.count(std::string(session_id)) == 0) foreign_sessions_.fetch_add(1);
    if (earliest_.empty() || timestamp < earliest_) earliest_ = std::string(timestamp);
    if (latest_.empty() || timestamp > latest_) latest_ = std::string(timestamp);
  }
  v.ok = true;
  v.id = std::string(message_id);
  return v;
}

std::vector<std::string> fake_shop::acknowledged() const {
  std::lock_guard lock(mu_);
  return acked_;
}

std::string fake_shop::earliest_timestamp() const {
  std::lock_guard lock(mu_);
  return earliest_;
}

std::string fake_shop::latest_timestamp() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::vector<std::string> fake_shop::request_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

}  // namespace gg::traffic::test

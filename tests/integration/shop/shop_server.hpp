#pragma once
// The shop stage on a real listener at 127.0.0.1:0, with an order sink standing in for event
// capture and a clock the test moves.

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>
#include <gadgetgrove/sched/scheduler.hpp>
#include <gadgetgrove/shop/shop_service.hpp>

#include "http_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gg::shop::test {

/// Receives the shop's order events. `mode` decides how they are acknowledged.
class order_sink {
 public:
  enum class mode { accept, refuse, hold };

  void set_mode(mode m) {
    std::lock_guard lock(mutex_);
    mode_ = m;
  }

  /// Records the event as ingest's body would carry it:
  /// {"type","event","sessionId","userId","properties","client_ip","user_agent"}.
  void submit(const ingest::server_event& ev, ingest::server_event_callback done) {
    std::string json = R"({"type":)";
    gg::append_json_string(json, ev.type);
    json += R"(,"event":)";
    gg::append_json_string(json, ev.event);
    if (!ev.session_id.empty()) {
      json += R"(,"sessionId":)";
      gg::append_json_string(json, ev.session_id);
    }
    if (!ev.user_id.empty()) {
      json += R"(,"userId":)";
      gg::append_json_string(json, ev.user_id);
    }
    json += R"(,"properties":)";
    json += ev.properties_json;
    json += R"(,"client_ip":)";
    gg::append_json_string(json, ev.client_ip);
    json += R"(,"user_agent":)";
    gg::append_json_string(json, ev.user_agent);
    json += '}';
    std::unique_lock lock(mutex_);
    events_.push_back(std::move(json));
    switch (mode_) {
      case mode::accept:
        lock.unlock();
        done(gg::uuid_v7());
        break;
      case mode::refuse:
        lock.unlock();
        done(gg::fail(gg::errc::unavailable, "event log is full", true));
        break;
      case mode::hold:
        held_.push_back(std::move(done));
        break;
    }
  }

  /// Acknowledges every held event as durable.
  void release() {
    std::vector<ingest::server_event_callback> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& done : held) done(gg::uuid_v7());
  }

  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  mode mode_ = mode::accept;
  std::vector<std::string> events_;
  std::vector<ingest::server_event_callback> held_;
};

/// A wall clock shifted by an offset the test controls.
struct shifted_clock {
  std::shared_ptr<std::atomic<std::int64_t>> offset_us =
      std::make_shared<std::atomic<std::int64_t>>(0);
  gg::sys_us operator()() const {
    return gg::now_us() + std::chrono::microseconds{offset_us->load()};
  }
  void advance(std::chrono::microseconds d) const { offset_us->fetch_add(d.count()); }
};

/// Runs `shop`'s maintenance as serve does: a scheduler job every maintenance_interval(), the
/// first pass at once. Stop the scheduler before the shop goes.
inline void schedule_maintenance(gg::sched::scheduler& sched, shop_service& shop) {
  gg::sched::job_options opts;
  opts.run_at_start = true;
  opts.retry.retries = 0;
  auto id = sched.every(
      "shop-maintenance", shop.maintenance_interval(),
      [&shop](std::stop_token stop) { return shop.maintain_once(stop); }, opts);
  REQUIRE(id.has_value());
}

inline gg::sched::scheduler_options test_scheduler() {
  gg::sched::scheduler_options o;
  o.io_threads = 1;
  o.blocking_threads = 2;
  return o;
}

inline shop_config test_config() {
  shop_config c;
  c.catalog_seed = 42;
  c.checkout_failure_rate = 0.0;
  c.checkout_seed = 7;
  c.dashboard_url = "http://127.0.0.1:8050/";
  return c;
}

class shop_server {
 public:
  explicit shop_server(shop_config config = test_config(), pg::pool* pool = nullptr) {
    config.clock = clock;
    shop_ = std::make_unique<shop_service>(
        std::move(config),
        [sink = sink](const ingest::server_event& e, ingest::server_event_callback done) {
          sink->submit(e, std::move(done));
        },
        pool);
    auto routes = std::make_shared<http::router>();
    shop_->add_routes(*routes);
    http::server_options opts;
    opts.name = "shop-test";
    opts.host = "127.0.0.1";
    opts.port = 0;
    server_ = std::make_unique<http::server>(ioc_, opts, routes);
    auto ep = server_->listen();
    REQUIRE(ep.has_value());
    port_ = ep->port;
    REQUIRE(shop_->start().has_value());
    schedule_maintenance(maintenance_, *shop_);
    maintenance_.run();
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~shop_server() {
    maintenance_.stop();
    server_->stop();
    sink->release();
    (void)server_->drain(std::chrono::steady_clock::now() + std::chrono::seconds{5});
    shop_->request_stop();
    (void)shop_->drain(std::chrono::steady_clock::now() + std::chrono::seconds{5});
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  shop_service& shop() { return *shop_; }
  unsigned short port() const { return port_; }
  gg::test::http_client client() const { return gg::test::http_client{port_}; }

  std::shared_ptr<order_sink> sink = std::make_shared<order_sink>();
  shifted_clock clock;

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  gg::sched::scheduler maintenance_{test_scheduler()};
  std::unique_ptr<shop_service> shop_;
  std::unique_ptr<http::server> server_;
  unsigned short port_ = 0;
  std::vector<std::thread> threads_;
};

/// "gadgetgrove_session=<token>" from a Set-Cookie value, for a Cookie header.
inline std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

/// A parsed JSON document that owns its parser.
struct json_doc {
  explicit json_doc(const std::string& text) : padded(text) {
    REQUIRE(parser.parse(padded).get(root) == simdjson::SUCCESS);
  }
  std::string str(std::string_view key) const {
    std::string_view v;
    if (root[key].get_string().get(v) != simdjson::SUCCESS) return "<missing>";
    return std::string{v};
  }
  simdjson::padded_string padded;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
};

}  // namespace gg::shop::test

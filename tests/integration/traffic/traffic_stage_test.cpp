#include <gadgetgrove/traffic/traffic_stage.hpp>

#include "eventually.hpp"
#include "fake_shop.hpp"
#include "http_client.hpp"
#include "metric_sample.hpp"

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/http/router.hpp>

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <chrono>
#include <thread>

using namespace gg::traffic;
using namespace std::chrono_literals;
using gg::test::eventually;
using gg::test::metric_sample;
using gg::traffic::test::fake_shop;
using gg::traffic::test::fake_shop_options;

namespace {

/// A fake shop whose router also carries POST /simulate; the stage runs on the shop's
/// io_context (two threads), as serve runs it on the scheduler's, and reaches the shop through
/// its public address. The stage exposes its counters in a registry of its own.
class shop_with_traffic {
 public:
  explicit shop_with_traffic(traffic_config config) {
    config.public_address = [this] { return shop_->address(); };
    config.metrics = &metrics_;
    fake_shop_options fo;
    fo.threads = 2;
    fo.extra_routes = [this, config](gg::http::router& r, boost::asio::io_context& io) {
      stage_ = std::make_shared<traffic_stage>(io, config);
      add_simulate_route(r, stage_);
    };
    shop_ = std::make_unique<fake_shop>(fo);
  }
  ~shop_with_traffic() {
    stage_->request_stop();
    (void)stage_->drain(std::chrono::steady_clock::now() + 2s);
    // The io_context (the shop's) must outlive the stage; the shop's router holds the last
    // reference to it.
    stage_.reset();
    shop_.reset();
  }

  fake_shop& shop() { return *shop_; }
  traffic_stage& stage() { return *stage_; }
  std::string metrics() const { return metrics_.expose(); }

 private:
  gg::metrics::registry metrics_;  // outlives the stage that collects into it
  std::shared_ptr<traffic_stage> stage_;
  std::unique_ptr<fake_shop> shop_;
};

}  // namespace

TEST_CASE("POST /simulate plays one session through the shop and returns its events",
          "[integration][traffic]") {
  traffic_config config;
  config.enabled = false;
  shop_with_traffic t(config);
  REQUIRE(t.stage().start().has_value());
  CHECK(t.stage().health().ready());

  gg::test::http_client client(t.shop().port());
  const auto reply = client.post("/simulate", "");
  REQUIRE(reply.status == 200);
  CHECK(reply.header("Content-Type").value_or("").find("application/json") == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(reply.body).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["status"]) == "simulated");
  const std::string_view session = doc["session_id"];
  CHECK(session.rfind("session-", 0) == 0);
  auto events = doc["events"].get_array();
  REQUIRE(events.size() >= 1);
  CHECK(std::string_view(events.at(0)["type"]) == "page_view");
  CHECK(std::string_view(events.at(0)["path"]) == "/");
  for (auto e : events) CHECK(std::string_view(e["sessionId"]) == session);
  // Every event reached the shop over HTTP, acknowledged.
  CHECK(t.shop().events() == events.size());
  CHECK(t.shop().malformed_events() == 0);

  // Several at once, from several clients.
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      gg::test::http_client c(t.shop().port());
      if (c.post("/simulate", "").status == 200) ++ok;
    });
  }
  for (auto& c : clients) c.join();
  CHECK(ok == 4);
  CHECK(t.shop().sessions_created() == 5);
}

TEST_CASE("steady traffic sends sessions over loopback and stops cleanly",
          "[integration][traffic]") {
  traffic_config config;
  config.sessions_per_second = 25;
  config.think_scale = 0.001;
  config.seed = 4;
  shop_with_traffic t(config);
  REQUIRE(t.stage().start().has_value());
  CHECK(eventually([&] { return t.shop().sessions_created() >= 20; }, 3s, 10ms));
  t.stage().request_stop();
  CHECK(t.stage().drain(std::chrono::steady_clock::now() + 3s).has_value());
  CHECK(t.stage().health().state == gg::health_state::stopped);
  const auto requests = t.shop().requests();
  std::this_thread::sleep_for(300ms);
  CHECK(t.shop().requests() == requests);
  CHECK(t.shop().malformed_events() == 0);
  CHECK(t.shop().foreign_session_ids() == 0);

  gg::test::http_client client(t.shop().port());
  CHECK(client.post("/simulate", "").status == 503);
  // The registry it was given shows the stage's own counts.
  const auto figures = t.stage().figures();
  const std::string metrics = t.metrics();
  CHECK(figures.sessions_completed > 0);
  CHECK(metric_sample(metrics, R"(gadgetgrove_traffic_sessions_total{outcome="completed"})") ==
        static_cast<double>(figures.sessions_completed));
  CHECK(figures.requests_sent > 0);
  CHECK(metric_sample(metrics, "gadgetgrove_traffic_requests_total") ==
        static_cast<double>(figures.requests_sent));
  CHECK(metric_sample(metrics, "gadgetgrove_traffic_events_sent_total") ==
        static_cast<double>(figures.events_sent));
}

TEST_CASE("batches of sessions start on their interval", "[integration][traffic]") {
  traffic_config config;
  config.batch_interval = 300ms;
  config.batch_min = 2;
  config.batch_max = 2;
  config.think_scale = 0.001;
  shop_with_traffic t(config);
  REQUIRE(t.stage().start().has_value());
  // The first batch comes two seconds after start, then one every 300 ms.
  std::this_thread::sleep_for(1500ms);
  CHECK(t.shop().sessions_created() == 0);
  CHECK(eventually([&] { return t.shop().sessions_created() >= 6; }, 3s, 10ms));
}

TEST_CASE("sessions beyond the cap are skipped, not queued", "[integration][traffic]") {
  traffic_config config;
  config.sessions_per_second = 200;
  config.max_sessions = 3;
  config.think_scale = 1.0;  // real think times (2 s and more): sessions stay in flight
  config.profile.bounce_probability = 0.0;
  shop_with_traffic t(config);
  REQUIRE(t.stage().start().has_value());
  std::this_thread::sleep_for(600ms);
  CHECK(t.shop().sessions_created() <= 3);
  const auto skipped =
      metric_sample(t.metrics(), R"(gadgetgrove_traffic_sessions_total{outcome="skipped"})");
  REQUIRE(skipped.has_value());
  CHECK(*skipped > 0);
  t.stage().request_stop();
  // Waiting steps are dropped at once: drain does not wait for the think times.
  const auto started = std::chrono::steady_clock::now();
  CHECK(t.stage().drain(std::chrono::steady_clock::now() + 3s).has_value());
  CHECK(std::chrono::steady_clock::now() - started < 1s);
}

TEST_CASE("a stage without a usable address does not start", "[integration][traffic]") {
  boost::asio::io_context io;
  traffic_config config;
  config.public_address = [] { return std::string("nonsense"); };
  traffic_stage stage(io, config);
  auto st = stage.start();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == gg::errc::config);
}

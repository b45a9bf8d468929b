#include <gadgetgrove/traffic/simulate.hpp>

#include "fake_shop.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

using namespace gg::traffic;
using namespace std::chrono_literals;
using gg::traffic::test::fake_shop;
using gg::traffic::test::fake_shop_options;

namespace {

load_report run(const simulate_options& o, const run_control& c = {}) {
  auto r = run_load(o, c);
  if (!r) FAIL(r.error());
  return *r;
}

std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// A port nothing listens on (bound, then released).
unsigned short closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace

TEST_CASE("the achieved event rate is within 5% of 500 events/s over 10 s",
          "[integration][traffic][slow]") {
  fake_shop shop;
  simulate_options o;
  o.url = shop.url();
  o.rate = 500;
  o.duration = 10s;
  o.concurrency = 8;
  o.seed = 1;
  const auto started = std::chrono::steady_clock::now();
  const load_report r = run(o);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.pacing == "events");
  CHECK(r.achieved_events_per_s == Approx(500).epsilon(0.05));
  CHECK(static_cast<double>(shop.events()) == Approx(5000).epsilon(0.05));
  CHECK(r.events_sent == shop.events());
  CHECK(r.events_acked == r.events_sent);
  CHECK(r.requests_failed == 0);
  CHECK(r.kept_up);
  CHECK_FALSE(r.error_rate_exceeded);
  CHECK(shop.malformed_events() == 0);
  CHECK(shop.foreign_session_ids() == 0);
  CHECK(r.latency_p50_ms > 0);
  CHECK(r.latency_p99_ms >= r.latency_p50_ms);
  CHECK(took < 12s);
}

TEST_CASE("session pacing starts sessions on the clock", "[integration][traffic]") {
  fake_shop shop;
  simulate_options o;
  o.url = shop.url();
  o.session_rate = 40;
  o.duration = 1500ms;
  o.concurrency = 4;
  o.think_scale = 0.001;
  o.seed = 2;
  const load_report r = run(o);
  CHECK(r.pacing == "sessions");
  CHECK(r.sessions_started == 60);
  CHECK(shop.sessions_created() >= 55);
  CHECK(r.sessions_completed > 40);
  CHECK(r.requests_failed == 0);
  CHECK(shop.malformed_events() == 0);
}

TEST_CASE("the ack log lists exactly the events the server acknowledged",
          "[integration][traffic]") {
  fake_shop_options fo;
  fo.reject_every = 7;
  fake_shop shop(fo);
  gg::test::temp_dir dir("gg-traffic-ack");
  simulate_options o;
  o.url = shop.url();
  o.rate = 1500;
  o.duration = 2s;
  o.concurrency = 8;
  o.ack_log_path = (dir / "acks.txt").string();
  o.max_error_rate = 0.5;
  const load_report r = run(o);
  auto logged = read_lines(dir / "acks.txt");
  auto acked = shop.acknowledged();
  REQUIRE(acked.size() > 1000);
  CHECK(logged.size() == acked.size());
  CHECK(r.events_acked == acked.size());
  // About one in seven refused: counted, and absent from the log.
  CHECK(r.events_rejected > 0);
  CHECK(r.events_rejected + r.events_acked == r.events_sent);
  std::sort(logged.begin(), logged.end());
  std::sort(acked.begin(), acked.end());
  CHECK(logged == acked);
  CHECK(std::adjacent_find(logged.begin(), logged.end()) == logged.end());
}

TEST_CASE("a server stopped mid-run yields counted errors, not a crash or a hang",
          "[integration][traffic]") {
  auto shop = std::make_unique<fake_shop>();
  simulate_options o;
  o.url = shop->url();
  o.rate = 400;
  o.duration = 3s;
  o.concurrency = 4;
  o.timeout = 1s;
  std::thread stopper([&] {
    std::this_thread::sleep_for(1s);
    shop.reset();
  });
  const auto started = std::chrono::steady_clock::now();
  const load_report r = run(o);
  const auto took = std::chrono::steady_clock::now() - started;
  stopper.join();
  CHECK(took < 6s);
  CHECK(r.events_acked > 200);
  CHECK(r.requests_failed > 100);
  const auto connect = r.errors[static_cast<std::size_t>(error_kind::connect)];
  const auto closed = r.errors[static_cast<std::size_t>(error_kind::closed)];
  CHECK(connect > 0);
  CHECK(connect + closed + r.errors[static_cast<std::size_t>(error_kind::timeout)] ==
        r.requests_failed);
  CHECK(r.error_rate_exceeded);
}

TEST_CASE("a server that is down from the start is reported, with the built-in catalog",
          "[integration][traffic]") {
  simulate_options o;
  o.url = "http://127.0.0.1:" + std::to_string(closed_port());
  o.rate = 200;
  o.duration = 1s;
  o.concurrency = 2;
  std::vector<std::string> notices;
  run_control c;
  c.on_notice = [&](const std::string& line) { notices.push_back(line); };
  const auto started = std::chrono::steady_clock::now();
  const load_report r = run(o, c);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  REQUIRE_FALSE(notices.empty());
  CHECK(notices.front().find("built-in catalog") != std::string::npos);
  CHECK(r.requests_ok == 0);
  CHECK(r.requests_failed > 0);
  CHECK(r.errors[static_cast<std::size_t>(error_kind::connect)] == r.requests_failed);
  CHECK(r.error_rate == 1.0);
  CHECK(r.events_acked == 0);
}

TEST_CASE("requests a server never answers time out, and the run still ends on time",
          "[integration][traffic]") {
  // A listener that never accepts: the kernel completes the handshakes and buffers the
  // requests, and no answer ever comes.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  simulate_options o;
  o.url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  o.rate = 50;
  o.duration = 1s;
  o.concurrency = 2;
  o.timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  const load_report r = run(o);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(r.requests_ok == 0);
  CHECK(r.errors[static_cast<std::size_t>(error_kind::timeout)] >= 2);
  CHECK(r.errors[static_cast<std::size_t>(error_kind::timeout)] == r.requests_failed);
}

TEST_CASE("the same seed plays the same sessions in the same order", "[integration][traffic]") {
  std::vector<std::string> first, second;
  for (auto* out : {&first, &second}) {
    fake_shop shop;
    simulate_options o;
    o.url = shop.url();
    o.rate = 400;
    o.duration = 1s;
    o.concurrency = 1;
    o.seed = 1234;
    (void)run(o);
    *out = shop.request_lines();
  }
  REQUIRE(first.size() > 100);
  const std::size_t n = std::min(first.size(), second.size()) - 5;
  CHECK(std::equal(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(n), second.begin()));
}

TEST_CASE("a backfill stamps events in the past and ends when it is played",
          "[integration][traffic]") {
  fake_shop shop;
  simulate_options o;
  o.url = shop.url();
  o.rate = 3000;
  o.concurrency = 8;
  o.backfill_days = 3;
  o.backfill_sessions_per_day = 40;
  o.seed = 9;
  const load_report r = run(o);
  CHECK(r.duration_s == 0);
  CHECK(r.sessions_started == 120);
  CHECK(r.sessions_completed == 120);
  CHECK(r.requests_failed == 0);
  CHECK(shop.sessions_created() == 120);
  // Three days of history, ending at least an hour ago.
  const auto now = gg::now_us();
  const auto earliest = gg::parse_iso8601(shop.earliest_timestamp());
  const auto latest = gg::parse_iso8601(shop.latest_timestamp());
  REQUIRE(earliest.has_value());
  REQUIRE(latest.has_value());
  CHECK(*latest < now - 30min);
  CHECK(*earliest >= now - std::chrono::hours(3 * 24 + 2));
  CHECK(*latest - *earliest > std::chrono::hours(48));
}

TEST_CASE("bad options are configuration errors", "[integration][traffic]") {
  simulate_options o;
  o.url = "ftp://127.0.0.1";
  auto r = run_load(o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == gg::errc::config);
  o.url = "http://127.0.0.1:1";
  o.rate = 10;
  o.session_rate = 10;
  CHECK_FALSE(run_load(o).has_value());
}

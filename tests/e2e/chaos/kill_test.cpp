// Chaos: serve killed with SIGKILL at random moments while `simulate --ack-log` drives it, and
// restarted each time on the same data directory and port. Afterwards every acknowledged event
// is in raw_data exactly once, and the analytics tables the event-driven, incremental transform
// runs built between the kills equal a full refresh.

#include "chaos_support.hpp"

#include "eventually.hpp"
#include "pg_fixture.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

TEST_CASE("serve killed at random moments under load loses and doubles no acknowledged event",
          "[e2e][chaos][slow]") {
  const bool long_run = chaos::long_form();
  const int kills = long_run ? 20 : 5;
  const int rate = long_run ? 2000 : 600;
  // How long each serve lives once ready, before its SIGKILL.
  std::uniform_int_distribution<int> alive_ms(long_run ? 300 : 400, long_run ? 4000 : 1500);
  const std::uint32_t seed = gg::test::test_seed("chaos kill");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937 rng(seed);

  gg::test::temp_dir dir("gg-chaos-kill");
  const fs::path data = dir / "data";
  gg::test::pg_seed_cluster(data);
  const unsigned short port = chaos::free_port();
  // Transform runs after every load (incremental), none on a schedule: the models are built
  // piecewise between the kills, which is what the full refresh is compared against.
  const std::vector<std::string> args{"--traffic",          "off", "--transform-interval", "0",
                                      "--flow-retry-delay", "1s"};
  const auto t0 = std::chrono::steady_clock::now();

  auto serve = std::make_unique<chaos::chaos_serve>(data, dir / "serve-logs", port, args);
  serve->wait_ready(60s);
  const fs::path acks = dir / "acks.txt";
  // Runs across every restart; a request that fails during a restart is simply not
  // acknowledged. SIGTERM ends it early with its ack log complete.
  gg::test::child_process client(gg::test::binary_path(),
                                 {"simulate",
                                  "--url",
                                  serve->public_url(),
                                  "--rate",
                                  std::to_string(rate),
                                  "--duration",
                                  "600s",
                                  "--concurrency",
                                  "16",
                                  "--no-page-loads",
                                  "--max-error-rate",
                                  "1",
                                  "--timeout",
                                  "2s",
                                  "--progress",
                                  "never",
                                  "--seed",
                                  std::to_string(seed + 1),
                                  "--ack-log",
                                  acks.string()},
                                 dir.path());

  std::vector<double> restart_s;
  for (int k = 0; k < kills; ++k) {
    const int ms = alive_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    REQUIRE(client.running());
    serve->process().signal(SIGKILL);
    REQUIRE(serve->process().wait(10s).has_value());
    std::cerr << "chaos kill: SIGKILL " << (k + 1) << "/" << kills << " after " << ms
              << " ms of service" << std::endl;
    const auto r0 = std::chrono::steady_clock::now();
    serve = std::make_unique<chaos::chaos_serve>(data, dir / "serve-logs", port, args);
    serve->wait_ready(60s);
    restart_s.push_back(chaos::seconds_since(r0));
  }
  // The last serve takes traffic for a moment too, then the client stops.
  std::this_thread::sleep_for(1s);
  client.signal(SIGTERM);
  REQUIRE(client.wait(30s).has_value());
  INFO("simulate: " << client.stdout_text() << client.stderr_text());
  const auto acked = chaos::read_lines(acks);
  REQUIRE(acked.size() > static_cast<std::size_t>(rate));

  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 60s, 100ms,
                               "the loader to take every segment"));
  auto conn = chaos::connect_embedded(data);
  const auto d = chaos::compare_delivery(conn, acked);
  std::cerr << "chaos kill: " << kills << " kills, " << d.acknowledged
            << " acknowledged events, lost " << d.lost << ", doubled " << d.doubled << ", rejected "
            << d.rejected << std::endl;
  CHECK(d.lost == 0);
  CHECK(d.doubled == 0);
  CHECK(d.rejected == 0);

  // The last loads' transform: one more run through the running serve, then the models as the
  // increments left them against the same models rebuilt from scratch.
  REQUIRE(chaos::cli({"run", "transform", "--data-dir", data.string()}, dir / "cli").status == 0);
  const auto incremental = chaos::analytics_digest(conn);
  REQUIRE(
      chaos::cli({"transform", "run", "--full-refresh", "--data-dir", data.string()}, dir / "cli")
          .status == 0);
  const auto full = chaos::analytics_digest(conn);
  REQUIRE(!incremental.empty());
  std::size_t filled = 0;
  for (const auto& [table, digest] : full) filled += digest.rfind("0 rows", 0) == 0 ? 0 : 1;
  std::cerr << "chaos kill: " << full.size() << " analytics tables (" << filled
            << " not empty) compared with a full refresh" << std::endl;
  CHECK(filled > 0);
  for (const auto& [table, digest] : full) {
    INFO("analytics." << table);
    CHECK(incremental.count(table) == 1);
    if (incremental.count(table) == 1) CHECK(incremental.at(table) == digest);
  }

  serve->process().signal(SIGTERM);
  CHECK(serve->process().wait(60s) == std::optional<int>(0));
  double worst = 0, sum = 0;
  for (double s : restart_s) {
    worst = std::max(worst, s);
    sum += s;
  }
  std::cerr << "chaos kill: restart to ready mean " << sum / static_cast<double>(restart_s.size())
            << " s, max " << worst << " s; scenario " << chaos::seconds_since(t0) << " s"
            << std::endl;
}

}  // namespace

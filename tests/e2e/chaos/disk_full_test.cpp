// Chaos: the data directory (segments and the embedded PostgreSQL) on a small file system that
// fills up. First the event log's disk is full: ingest answers 503 and resumes once space is
// freed. Then PostgreSQL's disk is full while acknowledged events wait in an open segment: the
// loader fails, the segments wait, and the loader retries until space comes back. Nothing
// acknowledged is lost or doubled.

#include "chaos_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "pg_fixture.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

int traffic(const chaos::chaos_serve& serve, const fs::path& dir, const std::string& name,
            int seconds, int rate, std::uint32_t seed, std::vector<std::string>& acked,
            const std::string& max_error_rate = "0.01") {
  const fs::path acks = dir / (name + ".acks");
  auto r = chaos::cli({"simulate", "--url", serve.public_url(), "--rate", std::to_string(rate),
                       "--duration", std::to_string(seconds) + "s", "--concurrency", "8",
                       "--no-page-loads", "--progress", "never", "--seed", std::to_string(seed),
                       "--max-error-rate", max_error_rate, "--ack-log", acks.string()},
                      dir / "cli");
  const auto ids = chaos::read_lines(acks);
  std::cerr << "chaos disk full: " << name << ": " << ids.size() << " events acknowledged"
            << std::endl;
  acked.insert(acked.end(), ids.begin(), ids.end());
  return r.status;
}

// One page view posted as a browser does; the HTTP status.
unsigned post_one(unsigned short port, int n) {
  gg::test::http_client c(port);
  const std::string body =
      R"({"type":"page_view","url":"https://shop.example/p","path":"/p","title":"P","timestamp":"2026-01-01T00:00:00.000Z","sessionId":"disk-full-)" +
      std::to_string(n) + R"("})";
  return c
      .post("/api/analytics", body, "application/json",
            {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"}})
      .status;
}

}  // namespace

TEST_CASE("a full disk: ingest answers 503 and resumes, PostgreSQL's full disk is waited out",
          "[e2e][chaos][slow]") {
  const bool long_run = chaos::long_form();
  const int rate = long_run ? 2000 : 800;
  const std::uint32_t seed = gg::test::test_seed("chaos disk full");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  const auto t0 = std::chrono::steady_clock::now();

  gg::test::temp_dir dir("gg-chaos-disk");
  chaos::small_fs small(dir / "small", 192ULL << 20);
  const fs::path data = small.path() / "data";
  gg::test::pg_seed_cluster(data);
  // Segments stay open 4 s, so acknowledged events can be made to wait for the loader while
  // PostgreSQL's disk is full; no transform, so PostgreSQL writes only what the loader brings.
  chaos::chaos_serve serve(data, dir / "serve-logs", 0,
                           {"--traffic", "off", "--segment-max-age", "4s", "--transform-on-load",
                            "off", "--transform-interval", "0"});
  serve.wait_ready(60s);
  std::cerr << "chaos disk full: " << small.kind() << ", " << small.free_bytes() / 1024
            << " KiB free after start-up" << std::endl;
  const unsigned short port = serve.endpoints().public_port;
  std::vector<std::string> acked;
  REQUIRE(traffic(serve, dir.path(), "before", 2, rate, seed, acked) == 0);

  // 1. The event log's disk is full: 503, then recovery once space is freed.
  small.fill();
  int n = 0;
  unsigned last = 0;
  REQUIRE(gg::test::eventually([&] { return (last = post_one(port, ++n)) == 503; }, 15s, 20ms,
                               "a 503 while the disk is full"));
  // While full, new submissions keep being refused.
  CHECK(post_one(port, ++n) == 503);
  const auto freed = std::chrono::steady_clock::now();
  small.release();
  REQUIRE(gg::test::eventually([&] { return (last = post_one(port, ++n)) == 200; }, 15s, 50ms,
                               "a 200 once space is freed"));
  std::cerr << "chaos disk full: ingest answered 503 while full, 200 again "
            << chaos::seconds_since(freed) << " s after space was freed" << std::endl;
  REQUIRE(traffic(serve, dir.path(), "after-log-full", 2, rate, seed + 1, acked) == 0);
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 30s, 100ms,
                               "everything loaded before PostgreSQL's disk fills"));

  // 2. PostgreSQL's disk is full while acknowledged events wait in an open segment.
  small.fill(16ULL << 20);
  REQUIRE(traffic(serve, dir.path(), "before-pg-full", 2, rate, seed + 2, acked) == 0);
  const std::size_t mark = serve.log().size();
  small.fill();
  const auto pg_full = std::chrono::steady_clock::now();
  // The segment seals and the loader's COPY fails on it (could not extend file, SQLSTATE 53100):
  // the segment stays waiting in log/.
  const auto loader_hit_full_disk = [&] {
    std::istringstream lines(serve.log().substr(mark));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"stage\":\"loader\"") != std::string::npos &&
          line.find("No space left on device") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  CHECK(gg::test::eventually(loader_hit_full_disk, 30s, 100ms,
                             "the loader failing on PostgreSQL's full disk"));
  CHECK(chaos::segments_left(data) > 0);
  std::this_thread::sleep_for(long_run ? 20s : 3s);
  CHECK(chaos::segments_left(data) > 0);
  CHECK(serve.process().running());
  small.release();
  const auto pg_freed = std::chrono::steady_clock::now();
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 90s, 100ms,
                               "the waiting segments loaded once space is back"));
  std::cerr << "chaos disk full: PostgreSQL full for "
            << chaos::seconds_since(pg_full) - chaos::seconds_since(pg_freed)
            << " s, waiting segments loaded " << chaos::seconds_since(pg_freed)
            << " s after space was freed" << std::endl;
  REQUIRE(traffic(serve, dir.path(), "after-pg-full", 2, rate, seed + 3, acked) == 0);
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 30s, 100ms,
                               "the last traffic loaded"));

  auto conn = chaos::connect_embedded(data);
  const auto d = chaos::compare_delivery(conn, acked);
  std::cerr << "chaos disk full: " << d.acknowledged << " acknowledged, lost " << d.lost
            << ", doubled " << d.doubled << ", rejected " << d.rejected << std::endl;
  CHECK(d.lost == 0);
  CHECK(d.doubled == 0);
  CHECK(d.rejected == 0);
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(60s) == std::optional<int>(0));
  std::cerr << "chaos disk full: scenario " << chaos::seconds_since(t0) << " s" << std::endl;
}

// The promise of the ingest path, checked through the binary: an event that got a success answer
// survives a SIGKILL of the server at any moment, and is stored exactly once, in the segment files
// and in PostgreSQL.

#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string event_id_of(const std::string& line) {
  static const std::string key = "\"event_id\":\"";
  auto at = line.find(key);
  if (at == std::string::npos) return {};
  auto start = at + key.size();
  auto end = line.find('"', start);
  return end == std::string::npos ? std::string{} : line.substr(start, end - start);
}

// How often each event id occurs in the segment files: active, sealed, archived, quarantined.
std::map<std::string, int> ids_in_segments(const fs::path& data) {
  std::map<std::string, int> seen;
  for (const char* top : {"log", "archive", "quarantine"}) {
    if (!fs::exists(data / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(data / top)) {
      if (!entry.is_regular_file()) continue;
      if (entry.path().filename().string().find(".jsonl") == std::string::npos) continue;
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) {
        auto id = event_id_of(line);
        if (!id.empty()) ++seen[id];
      }
    }
  }
  return seen;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("acknowledged events survive SIGKILL of serve and are stored exactly once",
          "[e2e][ingest][slow]") {
  gg::test::temp_dir dir("gg-e2e-crash");
  const fs::path data = dir / "data";
  const std::uint32_t seed = gg::test::test_seed("crash_test");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kill_after_ms(600, 2200);
  std::vector<std::string> acked;

  for (int round = 0; round < 3; ++round) {
    gg::test::serve_process serve(data, {"--traffic", "off"});
    std::string why;
    if (!serve.wait_ready(60s, &why)) FAIL(why);
    const auto url = "http://127.0.0.1:" + std::to_string(serve.endpoints().public_port);
    const fs::path acks = dir / ("acks-" + std::to_string(round) + ".txt");
    gg::test::child_process client(
        gg::test::binary_path(),
        {"simulate", "--url", url, "--rate", "1500", "--duration", "4", "--concurrency", "16",
         "--no-page-loads", "--max-error-rate", "1", "--timeout", "2s", "--progress", "never",
         "--ack-log", acks.string()},
        dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    serve.process().signal(SIGKILL);
    REQUIRE(serve.process().wait(10s).has_value());
    auto status = client.wait(30s);
    INFO("simulate: " << client.stdout_text() << client.stderr_text());
    REQUIRE(status.has_value());
    for (auto& id : read_lines(acks)) acked.push_back(std::move(id));
  }
  REQUIRE(acked.size() > 500);

  // A last start recovers the segments the kills left open; wait until everything is loaded.
  gg::test::serve_process serve(data, {"--traffic", "off"});
  std::string why;
  if (!serve.wait_ready(60s, &why)) FAIL(why);
  // With no traffic, the active segments seal after a second and the loader takes each sealed
  // one within about a second: done when log/ holds no segment at all.
  auto segments_left = [&] {
    std::size_t n = 0;
    for (const auto& entry : fs::recursive_directory_iterator(data / "log")) {
      if (entry.path().filename().string().find(".jsonl") != std::string::npos) ++n;
    }
    return n;
  };
  CHECK(gg::test::eventually([&] { return segments_left() == 0; }, 30s, 100ms,
                             "the loader to take every segment"));

  std::map<std::string, int> in_db;
  {
    auto conn = gg::pg::connection::open(serve.endpoints().database);
    REQUIRE(conn.has_value());
    auto r = conn->exec(
        "SELECT event_id::text, count(*) FROM ("
        " SELECT event_id FROM raw_data.page_views UNION ALL"
        " SELECT event_id FROM raw_data.user_events UNION ALL"
        " SELECT event_id FROM raw_data.ecommerce_events UNION ALL"
        " SELECT event_id FROM raw_data.analytics_events UNION ALL"
        " SELECT event_id FROM raw_data.event_queue) e GROUP BY 1");
    REQUIRE(r.has_value());
    for (int i = 0; i < r->rows(); ++i) {
      in_db[std::string(r->get(i, 0))] = std::stoi(std::string(r->get(i, 1)));
    }
  }
  serve.process().signal(SIGTERM);
  REQUIRE(serve.process().wait(30s) == std::optional<int>(0));

  const auto in_segments = ids_in_segments(data);
  std::size_t lost_on_disk = 0, doubled_on_disk = 0, lost_in_db = 0, doubled_in_db = 0;
  for (const auto& id : acked) {
    auto s = in_segments.find(id);
    if (s == in_segments.end())
      ++lost_on_disk;
    else if (s->second > 1)
      ++doubled_on_disk;
    auto d = in_db.find(id);
    if (d == in_db.end())
      ++lost_in_db;
    else if (d->second > 1)
      ++doubled_in_db;
  }
  INFO(acked.size() << " acknowledged events over 3 kills");
  CHECK(lost_on_disk == 0);
  CHECK(doubled_on_disk == 0);
  CHECK(lost_in_db == 0);
  CHECK(doubled_in_db == 0);
}

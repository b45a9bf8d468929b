// Chaos: a power loss leaves active segments whose synced, acknowledged prefix is followed by
// garbage or by a zero-filled hole (blocks the file system allocated but never wrote) and then by
// a complete line. Through the binary: serve's start-up recovery seals the good prefix, which the
// loader takes into raw_data, and moves the rest to quarantine, reported by a metric and a log
// line naming the byte range.

#include "chaos_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "metric_sample.hpp"
#include "pg_fixture.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include "segment_recovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <random>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

std::string random_uuid(std::mt19937_64& rng) {
  const std::uint64_t a = rng(), b = rng();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | (b >> 48 & 0x3fff), b & 0xffffffffffffULL);
}

// A copy of the framed line `line` (newline included) under a new event_id, framed again.
std::string with_new_id(const std::string& line, const std::string& id) {
  std::string object = line;
  gg::eventlog::unframe_in_place(object);
  static const std::string key = "\"event_id\":\"";
  const auto at = object.find(key);
  REQUIRE(at != std::string::npos);
  const auto start = at + key.size();
  const auto end = object.find('"', start);
  REQUIRE(end != std::string::npos);
  object.replace(start, end - start, id);
  gg::eventlog::frame_in_place(object);
  return object;
}

// Writes `bytes` to `path` and fsyncs it, as the writer left it before the power went.
void write_synced(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  REQUIRE(::fsync(fd) == 0);
  ::close(fd);
}

struct crafted {
  std::string name;
  std::vector<std::string> prefix_ids;  // before the damage: must be loaded
  std::vector<std::string> after_ids;   // after it: must be quarantined, not loaded
  std::uint64_t begin = 0, end = 0;     // the quarantined byte range
};

}  // namespace

TEST_CASE("a torn tail after power loss: the synced prefix is loaded, the rest quarantined",
          "[e2e][chaos]") {
  const bool long_run = chaos::long_form();
  const std::uint32_t seed = gg::test::test_seed("chaos torn tail");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937_64 rng(seed);
  const auto t0 = std::chrono::steady_clock::now();

  gg::test::temp_dir dir("gg-chaos-torn");
  const fs::path data = dir / "data";
  gg::test::pg_seed_cluster(data);
  const std::vector<std::string> args{"--traffic", "off", "--transform-on-load", "off"};

  // Real enriched lines to copy: a short run of traffic, loaded and archived.
  {
    chaos::chaos_serve serve(data, dir / "serve-logs", 0, args);
    serve.wait_ready(60s);
    auto r =
        chaos::cli({"simulate", "--url", serve.public_url(), "--rate", "300", "--duration", "2s",
                    "--no-page-loads", "--progress", "never", "--seed", std::to_string(seed)},
                   dir / "cli");
    REQUIRE(r.status == 0);
    REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 30s, 100ms,
                                 "the first traffic loaded"));
    serve.process().signal(SIGTERM);
    REQUIRE(serve.process().wait(60s) == std::optional<int>(0));
  }
  std::vector<std::string> sample;
  for (const auto& entry : fs::recursive_directory_iterator(data / "archive" / "page_views")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) sample.push_back(line + "\n");
  }
  REQUIRE(sample.size() >= 4);

  // Two damaged active segments in page_views, numbered past every segment there.
  const fs::path queue_dir = data / "log" / "page_views";
  const int prefix_lines = long_run ? 2000 : 40;
  auto craft = [&](std::uint64_t seq, bool zero_hole) {
    crafted c;
    c.name = gg::eventlog::format_segment_name(
        {gg::sys_us(std::chrono::microseconds(1'780'000'000'000'000LL + seq)), seq, true});
    std::string bytes;
    for (int i = 0; i < prefix_lines; ++i) {
      c.prefix_ids.push_back(random_uuid(rng));
      bytes +=
          with_new_id(sample[static_cast<std::size_t>(i) % sample.size()], c.prefix_ids.back());
    }
    c.begin = bytes.size();
    if (zero_hole) {
      bytes.append(4096, '\0');
    } else {
      // Half a line, then bytes no writer produces.
      const std::string& half = sample[0];
      bytes += half.substr(0, half.size() / 2);
      for (int i = 0; i < 300; ++i) bytes += static_cast<char>(rng() % 256);
      bytes += '\n';
    }
    for (int i = 0; i < 3; ++i) {
      c.after_ids.push_back(random_uuid(rng));
      bytes +=
          with_new_id(sample[static_cast<std::size_t>(i + 1) % sample.size()], c.after_ids.back());
    }
    c.end = bytes.size();
    write_synced(queue_dir / c.name, bytes);
    return c;
  };
  const std::vector<crafted> segments{craft(90'000'001, false), craft(90'000'002, true)};

  chaos::chaos_serve serve(data, dir / "serve-logs", 0, args);
  serve.wait_ready(60s);
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 30s, 100ms,
                               "the recovered prefixes loaded"));
  auto conn = chaos::connect_embedded(data);
  const auto in_db = chaos::ids_in_raw_tables(conn);

  gg::test::http_client admin(serve.endpoints().admin_port);
  const std::string metrics = admin.get("/metrics").body;
  const std::string log = serve.log();
  std::uint64_t quarantined_bytes = 0;
  for (const auto& c : segments) {
    INFO("segment " << c.name);
    std::size_t prefix_loaded = 0, after_loaded = 0;
    for (const auto& id : c.prefix_ids) prefix_loaded += in_db.count(id) == 1 ? 1 : 0;
    for (const auto& id : c.after_ids) after_loaded += in_db.count(id);
    CHECK(prefix_loaded == c.prefix_ids.size());
    CHECK(after_loaded == 0);
    const std::string piece =
        gg::eventlog::quarantine_name(c.name, c.begin, c.end);  // <stem>.jsonl.bytes-b-e
    const fs::path q = data / "quarantine" / "page_views" / piece;
    REQUIRE(fs::exists(q));
    CHECK(fs::file_size(q) == c.end - c.begin);
    // Every quarantined complete line is still there for a person to look at.
    const std::string kept = gg::test::read_file(q);
    for (const auto& id : c.after_ids) CHECK(kept.find(id) != std::string::npos);
    CHECK(log.find(fmt::format("[{}, {})", c.begin, c.end)) != std::string::npos);
    quarantined_bytes += c.end - c.begin;
  }
  CHECK(log.find("corrupt part of a segment moved to quarantine") != std::string::npos);
  CHECK(gg::test::metric_sample(
            metrics, "gadgetgrove_eventlog_quarantined_segments_total{queue=\"page_views\"}") == 2);
  CHECK(gg::test::metric_sample(
            metrics, "gadgetgrove_eventlog_quarantined_bytes_total{queue=\"page_views\"}") ==
        static_cast<double>(quarantined_bytes));
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(60s) == std::optional<int>(0));
  std::cerr << "chaos torn tail: " << segments.size() << " segments, " << prefix_lines
            << " good lines each loaded, " << quarantined_bytes << " bytes quarantined; scenario "
            << chaos::seconds_since(t0) << " s" << std::endl;
}

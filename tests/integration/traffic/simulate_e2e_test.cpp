// `gadgetgrove simulate` against a real `gadgetgrove serve`: every event the generator logged
// as acknowledged must be in the server's segment files (no acknowledged event is lost), and
// with an error-free run every event the server stored from the API must be in the ack log.

#include "child_process.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string member(const std::string& line, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\":\"";
  const auto at = line.find(pattern);
  if (at == std::string::npos) return {};
  const auto start = at + pattern.size();
  const auto end = line.find('"', start);
  return end == std::string::npos ? std::string{} : line.substr(start, end - start);
}

/// Event ids of every line of every segment (open, sealed or archived) under `data_dir`,
/// split by whether the event came in through the API.
void stored_ids(const fs::path& data_dir, std::set<std::string>& api, std::set<std::string>& all) {
  for (const char* top : {"log", "archive"}) {
    if (!fs::exists(data_dir / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(data_dir / top)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (name.find(".jsonl") == std::string::npos) continue;
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) {
        const std::string id = member(line, "event_id");
        if (id.empty()) continue;
        all.insert(id);
        if (member(line, "_source") == "api") api.insert(id);
      }
    }
  }
}

}  // namespace

TEST_CASE("every event simulate saw acknowledged is in serve's segment files", "[e2e][traffic]") {
  gg::test::temp_dir dir("gg-traffic-e2e");
  const fs::path data = dir / "data";
  // serve's own synthetic shoppers would add events nobody here acknowledged.
  gg::test::serve_process serve(data, {"--traffic", "off"});
  std::string why;
  if (!serve.wait_ready(120s, &why)) FAIL(why);

  const auto help =
      gg::test::run_to_end(gg::test::binary_path(), {"simulate", "--help"}, dir.path(), 30s);
  if (help.status != 0 || help.out.find("--ack-log") == std::string::npos) {
    FAIL("`gadgetgrove simulate` is not wired into the CLI yet:\n" << help.out << help.err);
  }

  const fs::path acks = dir / "acks.txt";
  const fs::path report = dir / "report.json";
  const auto run = gg::test::run_to_end(
      gg::test::binary_path(),
      {"simulate", "--data-dir", data.string(), "--rate", "400", "--duration", "3", "--seed", "7",
       "--concurrency", "8", "--ack-log", acks.string(), "--report", report.string()},
      dir.path(), 60s);
  INFO("simulate stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(run.status == 0);

  // A clean shutdown seals the open segments.
  serve.process().signal(SIGTERM);
  REQUIRE(serve.process().wait(60s) == std::optional<int>(0));

  std::vector<std::string> acked;
  {
    std::ifstream in(acks);
    for (std::string line; std::getline(in, line);) acked.push_back(line);
  }
  REQUIRE(acked.size() > 600);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.load(report.string()).get(doc) == simdjson::SUCCESS);
  CHECK(std::uint64_t(doc["events"]["acknowledged"]) == acked.size());

  std::set<std::string> api, all;
  stored_ids(data, api, all);
  std::size_t missing = 0;
  for (const auto& id : acked) {
    if (all.count(id) == 0) ++missing;
  }
  CHECK(missing == 0);
  if (std::uint64_t(doc["requests"]["failed"]) == 0) {
    // Nothing failed, so nothing was stored without being acknowledged.
    const std::set<std::string> acked_set(acked.begin(), acked.end());
    CHECK(acked_set.size() == acked.size());
    CHECK(api == acked_set);
  }
}

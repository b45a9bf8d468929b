#include <gadgetgrove/loader/report.hpp>

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <string>

namespace {

using gg::loader::cleanup_summary;
using gg::loader::load_summary;

load_summary sample() {
  load_summary s;
  s.run_id = "run-1";
  s.started = *gg::parse_iso8601("2026-11-26T15:19:11Z");
  s.seconds = 2.0;
  s.queues = {{"page_views", 2, 1000, 3, 600000}, {"user_events", 1, 500, 0, 300000}};
  s.rejects_by_reason = {{"checksum_mismatch", 2}, {"wrong_type:user|Id", 1}};
  return s;
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json) {
  simdjson::dom::element e;
  REQUIRE(p.parse(json).get(e) == simdjson::SUCCESS);
  return e;
}

}  // namespace

TEST_CASE("a load summary totals its queues and merges another run", "[unit][loader]") {
  load_summary s = sample();
  CHECK(s.segments() == 3);
  CHECK(s.rows() == 1500);
  CHECK(s.rejected() == 3);
  CHECK(s.bytes() == 900000);
  CHECK(s.rows_per_second() == Approx(750.0));
  load_summary other = sample();
  other.failed = 1;
  other.first_error = gg::error{gg::errc::unavailable, "down", true};
  other.queues.push_back({"event_queue", 1, 10, 0, 100});
  s.merge(other);
  CHECK(s.rows() == 3010);
  CHECK(s.queues.size() == 3);
  CHECK(s.rejects_by_reason.at("checksum_mismatch") == 4);
  CHECK(s.failed == 1);
  REQUIRE(s.first_error);
  CHECK(s.first_error->message == "down");
  CHECK(s.seconds == Approx(4.0));
}

TEST_CASE("the ingestion summary artifact carries a markdown table and the same data as JSON",
          "[unit][loader]") {
  const auto a = gg::loader::ingestion_artifact(sample());
  CHECK(a.flow == "load");
  CHECK(a.kind == "markdown");
  CHECK(a.key == "ingestion-summary");
  CHECK(a.title == "Ingestion Summary");
  CHECK(a.run_id == "run-1");
  CHECK(a.body.find("| page_views | 2 | 1000 | 3 | 600000 |") != std::string::npos);
  CHECK(a.body.find("| **total** | **3** | **1500** | **3** | **900000** |") != std::string::npos);
  CHECK(a.body.find("750 rows/s") != std::string::npos);
  CHECK(a.body.find("wrong_type:user\\|Id") != std::string::npos);  // '|' escaped in a cell
  CHECK(a.body.find("**Status:** success") != std::string::npos);

  simdjson::dom::parser p;
  const auto data = parse(p, a.data);
  CHECK(std::string_view(data["run_id"]) == "run-1");
  CHECK(std::int64_t(data["rows"]) == 1500);
  CHECK(double(data["rows_per_second"]) == Approx(750.0));
  CHECK(std::int64_t(data["queues"].at(1)["rows"]) == 500);
  CHECK(std::int64_t(data["rejects_by_reason"]["checksum_mismatch"]) == 2);
  CHECK(data["error"].is_null());
}

TEST_CASE("an incomplete load run says why in its artifact", "[unit][loader]") {
  load_summary s = sample();
  s.failed = 4;
  s.first_error = gg::error{gg::errc::unavailable, "connect: no such \"socket\"", true};
  const auto a = gg::loader::ingestion_artifact(s);
  CHECK(a.body.find("**Status:** incomplete") != std::string::npos);
  CHECK(a.body.find("4 segment(s) failed") != std::string::npos);
  simdjson::dom::parser p;
  const auto data = parse(p, a.data);
  CHECK(std::string_view(data["error"]) == "connect: no such \"socket\"");
  CHECK(std::int64_t(data["failed"]) == 4);
}

TEST_CASE("the archive cleanup report lists files and bytes deleted per queue", "[unit][loader]") {
  cleanup_summary s;
  s.run_id = "c-1";
  s.retention = std::chrono::hours(1);
  s.queues = {{"page_views", 3, 3000}, {"user_events", 0, 0}};
  const auto a = gg::loader::cleanup_artifact(s);
  CHECK(a.title == "Archive Cleanup Report");
  CHECK(a.key == "archive-cleanup-report");
  CHECK(a.body.find("older than 1 h") != std::string::npos);
  CHECK(a.body.find("| page_views | 3 | 3000 |") != std::string::npos);
  CHECK(a.body.find("| **total** | **3** | **3000** |") != std::string::npos);
  simdjson::dom::parser p;
  const auto data = parse(p, a.data);
  CHECK(std::int64_t(data["files"]) == 3);
  CHECK(double(data["retention_seconds"]) == Approx(3600.0));
  CHECK(std::string_view(data["queues"].at(0)["queue"]) == "page_views");

  s.retention = std::chrono::milliseconds(0);
  CHECK(gg::loader::cleanup_artifact(s).body.find("keep forever") != std::string::npos);
}

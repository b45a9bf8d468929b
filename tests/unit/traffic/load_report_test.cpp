#include <gadgetgrove/traffic/load_report.hpp>

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <memory>

using namespace gg::traffic;

TEST_CASE("the JSON report holds the run's figures", "[unit][traffic]") {
  load_report r;
  r.target = "http://127.0.0.1:8000";
  r.pacing = "events";
  r.target_rate = 500;
  r.events_sent = 5000;
  r.events_acked = 4990;
  r.errors[static_cast<std::size_t>(error_kind::connect)] = 10;
  r.requests_failed = 10;
  r.achieved_events_per_s = 499.5;
  r.achieved_ratio = 0.999;
  r.latency_p99_ms = 1.25;
  r.error_rate = 0.002;
  r.ack_log = "/tmp/acks \"1\"";
  const std::string json = to_json(r);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["target"]) == "http://127.0.0.1:8000");
  CHECK(uint64_t(doc["events"]["sent"]) == 5000);
  CHECK(uint64_t(doc["events"]["acknowledged"]) == 4990);
  CHECK(uint64_t(doc["errors"]["connect"]) == 10);
  CHECK(uint64_t(doc["errors"]["http_5xx"]) == 0);
  CHECK(double(doc["rate"]["achieved_events_per_s"]) == Approx(499.5));
  CHECK(bool(doc["rate"]["kept_up"]));
  CHECK(double(doc["latency_ms"]["p99"]) == Approx(1.25));
  CHECK(std::string_view(doc["ack_log"]) == "/tmp/acks \"1\"");
}

TEST_CASE("the summary says when the target rate was not reached", "[unit][traffic]") {
  load_report r;
  r.pacing = "events";
  r.kept_up = true;
  CHECK(format_summary(r).find("NOT KEPT UP") == std::string::npos);
  r.kept_up = false;
  r.achieved_ratio = 0.5;
  CHECK(format_summary(r).find("NOT KEPT UP: achieved 50.0%") != std::string::npos);
  r.error_rate_exceeded = true;
  CHECK(format_summary(r).find("EXCEEDED") != std::string::npos);
}

TEST_CASE("the progress line lists errors by kind", "[unit][traffic]") {
  auto c = std::make_unique<run_counters>();
  c->events_sent = 120;
  c->requests_sent = 60;
  c->count_error(error_kind::timeout);
  c->count_error(error_kind::connect);
  c->count_error(error_kind::connect);
  const auto line = format_progress(3.0, *c, 40.0, "events");
  CHECK(line.find("sent 120 ev / 60 req") != std::string::npos);
  CHECK(line.find("errors 3 (connect 2, timeout 1)") != std::string::npos);
  CHECK(line.find("40.0 events/s") != std::string::npos);
}

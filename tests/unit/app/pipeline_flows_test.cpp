// The pieces of the pipeline flows that need no database: run parameters, the tables loaded
// since the last event run, report tables and the CLI's run formats.

#include "pipeline_flows.hpp"

#include "loaded_sources.hpp"
#include "report_table.hpp"
#include "run_text.hpp"

#include <gadgetgrove/core/json_text.hpp>

#include <catch2/catch.hpp>

TEST_CASE("run parameters are checked against what each flow takes", "[unit][app]") {
  using gg::app::check_parameters;
  CHECK(check_parameters("load", {}));
  CHECK(check_parameters("load", {{"replay_rejects", "true"}}));
  CHECK(check_parameters("transform", {{"full_refresh", "false"},
                                       {"select", "stg_orders+ tag:x"},
                                       {"exclude", "y"},
                                       {"command", "run"}}));
  CHECK(check_parameters("cleanup", {}));

  auto unknown = check_parameters("transform", {{"threads", "8"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == gg::errc::invalid_input);
  CHECK(unknown.error().message.find("threads") != std::string::npos);
  CHECK(unknown.error().message.find("full_refresh") != std::string::npos);

  auto bad_bool = check_parameters("load", {{"replay_rejects", "yes"}});
  REQUIRE_FALSE(bad_bool);
  CHECK(bad_bool.error().message.find("replay_rejects") != std::string::npos);

  CHECK_FALSE(check_parameters("transform", {{"command", "test"}}));
  CHECK_FALSE(check_parameters("cleanup", {{"full_refresh", "true"}}));
  auto flow = check_parameters("deploy", {});
  REQUIRE_FALSE(flow);
  CHECK(flow.error().code == gg::errc::not_found);
}

TEST_CASE("loaded tables are collected until a run takes them and come back when it fails",
          "[unit][app]") {
  gg::app::loaded_sources s;
  s.add({"page_views"});
  s.add({"ecommerce_events", "page_views"});
  auto took = s.take();
  CHECK(took == std::set<std::string>{"ecommerce_events", "page_views"});
  CHECK(s.take().empty());
  s.put_back(took);
  CHECK(s.take() == took);
  CHECK(
      gg::app::loaded_sources::selection(took) ==
      std::vector<std::string>{"source:raw_data.ecommerce_events+", "source:raw_data.page_views+"});
}

TEST_CASE("a report table renders the same rows as Markdown and as JSON", "[unit][app]") {
  gg::app::report_table t({"node", "rows", "seconds"});
  t.add_row({"a|b\nc", std::uint64_t{12}, gg::app::report_table::cell(0.5, 3)});
  t.add_row({"\"quoted\"", "", gg::app::report_table::cell(1.0, 3)});
  CHECK(t.markdown() ==
        "| node | rows | seconds |\n| --- | ---: | ---: |\n| a\\|b c | 12 | 0.500 |\n"
        "| \"quoted\" |  | 1.000 |\n");
  CHECK(t.json() ==
        R"([{"node":"a|b\nc","rows":12,"seconds":0.500},{"node":"\"quoted\"","rows":"",)"
        R"("seconds":1.000}])");
  CHECK_THROWS_AS(t.add_row({"one"}), std::logic_error);
}

TEST_CASE("runs print as an aligned table and as JSON lines", "[unit][app]") {
  gg::flows::run_record r;
  r.id = "0190f2a0-0000-7000-8000-000000000001";
  r.flow = "transform";
  r.trigger = gg::flows::trigger_kind::event;
  r.state = gg::flows::run_state::failed;
  r.attempt = 2;
  r.started_at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + std::chrono::hours(21) +
                 std::chrono::microseconds(1'250);
  r.duration_s = 1.5;
  r.error = "2 node(s) failed: x (error)\nsecond line";
  r.params = {{"select", "source:raw_data.page_views+"}};
  auto table = gg::app::runs_table({r});
  CHECK(table.find("id") == 0);
  CHECK(table.find("2026-12-04T21:00:00") != std::string::npos);
  CHECK(table.find("1.5s") != std::string::npos);
  CHECK(table.find("2 node(s) failed: x (error)") != std::string::npos);
  CHECK(table.find("second line") == std::string::npos);
  CHECK(gg::app::runs_table({}) == "no runs\n");

  auto json = gg::app::run_json(r);
  CHECK(json.find(R"("state":"failed")") != std::string::npos);
  CHECK(json.find(R"("trigger":"event")") != std::string::npos);
  CHECK(json.find(R"("attempt":2)") != std::string::npos);
  CHECK(json.find(R"("ended_at":null)") != std::string::npos);
  // The API's shape: microseconds as stored, empty texts null.
  CHECK(json.find(R"("started_at":"2026-12-04T21:00:00.001250Z")") != std::string::npos);
  CHECK(json.find(R"("duration_s":1.5,)") != std::string::npos);
  CHECK(json.find(R"("node":null)") != std::string::npos);
  CHECK(json == gg::json_text(gg::app::run_object(r)));
  CHECK(json.find(R"("parameters":{"select":"source:raw_data.page_views+"})") != std::string::npos);
  CHECK(json.find(R"(failed: x (error)\nsecond line")") != std::string::npos);
}

// --flow-policy: the text form, its errors, how policies land on flows and tasks, and the
// option through the command line and a config file.

#include "flow_policy.hpp"
#include "cli.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace std::chrono_literals;
using gg::app::parse_flow_policy;

namespace {

std::vector<gg::flows::flow_definition> two_flows() {
  auto noop = [](gg::flows::task_context&) -> gg::status { return {}; };
  std::vector<gg::flows::flow_definition> flows(2);
  flows[0].name = "load";
  flows[0].tasks = {{"load", noop, std::nullopt}, {"ingestion-summary", noop, std::nullopt}};
  flows[1].name = "transform";
  flows[1].tasks = {{"transform", noop, std::nullopt}};
  for (auto& f : flows) {
    f.retry.retries = 2;
    f.retry.delay = 10s;
    f.timeout = 1h;
    f.max_staleness = 6min;
  }
  return flows;
}

std::string error_of(std::string_view text) {
  auto p = parse_flow_policy(text);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().code == gg::errc::invalid_input);
  return p.error().message;
}

}  // namespace

TEST_CASE("a flow policy sets exactly the keys it names", "[unit][app]") {
  auto p = parse_flow_policy(
      "transform: retries=5 delay=30s backoff=exponential, jitter=0.25,max-delay=5m "
      "timeout=10m stale-after=15m");
  REQUIRE(p.has_value());
  CHECK(p->flow == "transform");
  CHECK(p->task.empty());
  CHECK(p->retries == 5u);
  CHECK(p->delay == 30s);
  CHECK(p->exponential == true);
  CHECK(p->jitter == 0.25);
  CHECK(p->max_delay == 5min);
  CHECK(p->timeout == 10min);
  CHECK(p->stale_after == 15min);

  auto task = parse_flow_policy("load.ingestion-summary:retries=0");
  REQUIRE(task.has_value());
  CHECK(task->flow == "load");
  CHECK(task->task == "ingestion-summary");
  CHECK(task->retries == 0u);
  CHECK_FALSE(task->delay);
  CHECK_FALSE(task->exponential);
  CHECK_FALSE(task->timeout);
}

TEST_CASE("a malformed flow policy is an error naming what is wrong", "[unit][app]") {
  CHECK_THAT(error_of("retries=3"), Catch::Contains("FLOW[.TASK]"));
  CHECK_THAT(error_of("Transform: retries=3"), Catch::Contains("not a flow"));
  CHECK_THAT(error_of("load.: retries=3"), Catch::Contains("not a flow"));
  CHECK_THAT(error_of("load: retries"), Catch::Contains("not key=value"));
  CHECK_THAT(error_of("load: retries=-1"), Catch::Contains("0 to 100"));
  CHECK_THAT(error_of("load: retries=101"), Catch::Contains("0 to 100"));
  CHECK_THAT(error_of("load: retries=2x"), Catch::Contains("0 to 100"));
  CHECK_THAT(error_of("load: delay=soon"), Catch::Contains("not a duration"));
  CHECK_THAT(error_of("load: backoff=linear"), Catch::Contains("neither fixed nor exponential"));
  CHECK_THAT(error_of("load: jitter=1.5"), Catch::Contains("0 to 1"));
  CHECK_THAT(error_of("load: jitter=nan"), Catch::Contains("0 to 1"));
  CHECK_THAT(error_of("load: retry=3"), Catch::Contains("unknown key 'retry'"));
  CHECK_THAT(error_of("load: retries=1 retries=2"), Catch::Contains("twice"));
  CHECK_THAT(error_of("load:"), Catch::Contains("sets nothing"));
  CHECK_THAT(error_of("load.load: timeout=5m"), Catch::Contains("whole flow"));
  CHECK_THAT(error_of("load.load: stale-after=5m"), Catch::Contains("whole flow"));
}

TEST_CASE("flow policies override the defaults of one flow or one task, in order", "[unit][app]") {
  auto flows = two_flows();
  std::vector<gg::app::flow_policy> policies{
      *parse_flow_policy("transform: retries=5 backoff=exponential timeout=0s stale-after=2m"),
      *parse_flow_policy("load.ingestion-summary: retries=1 delay=1s"),
      *parse_flow_policy("transform: retries=6"), *parse_flow_policy("traffic: retries=0")};
  REQUIRE(gg::app::apply_flow_policies(policies, flows, {"traffic"}));

  CHECK(flows[0].retry.retries == 2);
  CHECK(flows[0].timeout == 1h);
  CHECK_FALSE(flows[0].tasks[0].retry);
  REQUIRE(flows[0].tasks[1].retry);
  CHECK(flows[0].tasks[1].retry->retries == 1);
  CHECK(flows[0].tasks[1].retry->delay == 1s);
  CHECK_FALSE(flows[0].tasks[1].retry->exponential);

  CHECK(flows[1].retry.retries == 6);
  CHECK(flows[1].retry.exponential);
  CHECK(flows[1].retry.delay == 10s);
  CHECK(flows[1].timeout == 0ms);
  CHECK(flows[1].max_staleness == 2min);
}

TEST_CASE("a flow policy naming a flow or task that does not exist is a config error",
          "[unit][app]") {
  auto flows = two_flows();
  auto no_flow = gg::app::apply_flow_policies({*parse_flow_policy("deploy: retries=1")}, flows, {});
  REQUIRE_FALSE(no_flow);
  CHECK(no_flow.error().code == gg::errc::config);
  CHECK_THAT(no_flow.error().message, Catch::Contains("no flow 'deploy' (flows: load, transform)"));
  auto no_task =
      gg::app::apply_flow_policies({*parse_flow_policy("load.copy: retries=1")}, flows, {});
  REQUIRE_FALSE(no_task);
  CHECK_THAT(no_task.error().message,
             Catch::Contains("flow load has no task 'copy' (tasks: load, ingestion-summary)"));
  auto absent_traffic =
      gg::app::apply_flow_policies({*parse_flow_policy("traffic: retries=1")}, flows, {});
  CHECK_FALSE(absent_traffic);
}

TEST_CASE("flow policies are repeatable on the command line and an array in the config file",
          "[unit][app]") {
  std::string out, err;
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto parsed = gg::app::parse_cli(
      {"serve", "--flow-policy", "transform: retries=5", "--flow-policy", "load: timeout=2m",
       "--flow-retry-backoff", "exponential", "--flow-retry-jitter", "0.5"},
      none, out, err);
  INFO(err);
  REQUIRE(std::holds_alternative<gg::app::parsed_cli>(parsed));
  const auto& s = std::get<gg::app::parsed_cli>(parsed).opts;
  REQUIRE(s.flow_policies.size() == 2);
  CHECK(s.flow_policies[0].flow == "transform");
  CHECK(s.flow_policies[1].timeout == 2min);
  CHECK(s.flow_retry_exponential);
  CHECK(s.flow_retry_jitter == 0.5);

  const auto file = std::filesystem::temp_directory_path() / "gg-flow-policy-test.toml";
  std::ofstream(file) << "[serve]\nflow-policy = [\"cleanup: retries=0\", \"load: retries=4\"]\n";
  std::string out2, err2;
  auto from_file = gg::app::parse_cli({"serve", "--config", file.string()}, none, out2, err2);
  std::filesystem::remove(file);
  INFO(err2);
  REQUIRE(std::holds_alternative<gg::app::parsed_cli>(from_file));
  const auto& f = std::get<gg::app::parsed_cli>(from_file).opts;
  REQUIRE(f.flow_policies.size() == 2);
  CHECK(f.flow_policies[1].retries == 4u);

  std::string out3, err3;
  auto bad = gg::app::parse_cli({"serve", "--flow-policy", "load: retries=many"}, none, out3, err3);
  REQUIRE(std::holds_alternative<int>(bad));
  CHECK(std::get<int>(bad) != 0);
  CHECK_THAT(err3, Catch::Contains("retries=many"));
  std::string out4, err4;
  auto jitter = gg::app::parse_cli({"serve", "--flow-retry-jitter", "2"}, none, out4, err4);
  CHECK(std::holds_alternative<int>(jitter));
}

// The pipeline flows' options: schedules in their three forms, the older interval options they
// supersede, and the `runs` / `run` subcommands.

#include "flow_schedule.hpp"

#include "cli.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace {

using gg::app::parse_cli;
using gg::app::parsed_cli;
using namespace std::chrono_literals;

struct outcome {
  std::variant<parsed_cli, int> parsed;
  std::string out, err;
};

outcome run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  outcome o;
  auto lookup = [env](const std::string& name) -> std::optional<std::string> {
    if (auto it = env.find(name); it != env.end()) return it->second;
    return std::nullopt;
  };
  o.parsed = parse_cli(args, lookup, o.out, o.err);
  return o;
}

const parsed_cli& ok(const outcome& o) {
  INFO("stderr: " << o.err);
  REQUIRE(std::holds_alternative<parsed_cli>(o.parsed));
  return std::get<parsed_cli>(o.parsed);
}

std::string source_of(const parsed_cli& p, const std::string& name) {
  for (const auto& o : p.origins) {
    if (o.name == name) return o.source;
  }
  return "<missing>";
}

}  // namespace

TEST_CASE("a flow schedule is an interval, 'every' an interval, a cron expression or off",
          "[unit][app]") {
  const auto utc = gg::sched::time_zone_spec::utc();
  auto a = gg::app::parse_flow_schedule("every 60s", utc);
  REQUIRE(a.has_value());
  CHECK(a->interval == std::chrono::milliseconds(60s));
  CHECK_FALSE(a->cron);
  auto b = gg::app::parse_flow_schedule("15m", utc);
  REQUIRE(b.has_value());
  CHECK(b->interval == std::chrono::milliseconds(15min));
  auto c = gg::app::parse_flow_schedule("*/15 * * * *", utc);
  REQUIRE(c.has_value());
  CHECK_FALSE(c->interval);
  REQUIRE(c->cron);
  auto d = gg::app::parse_flow_schedule("off", utc);
  REQUIRE(d.has_value());
  CHECK(d->empty());
  for (const char* bad : {"every", "every soon", "0s", "every 0s", "61 * * * *", "sometimes", ""}) {
    INFO(bad);
    auto e = gg::app::parse_flow_schedule(bad, utc);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().code == gg::errc::invalid_input);
    CHECK(e.error().message.find(bad) != std::string::npos);
  }
}

TEST_CASE("flow schedules default to the interval options, which keep working", "[unit][app]") {
  const auto p = ok(run({"serve"}));
  CHECK(gg::app::load_schedule_text(p.opts) == "every 60s");
  CHECK(gg::app::transform_schedule_text(p.opts) == "every 120s");
  CHECK(p.opts.cleanup_schedule == "*/15 * * * *");
  CHECK(p.opts.flow_retries == 2);
  CHECK(p.opts.flow_retry_delay == 10s);
  CHECK(p.opts.run_retention == std::chrono::hours(24 * 30));
  CHECK(p.opts.transform_on_load);

  const auto q = ok(run({"serve", "--transform-interval", "30s", "--load-interval", "0"}));
  CHECK(gg::app::transform_schedule_text(q.opts) == "every 30s");
  CHECK(gg::app::load_schedule_text(q.opts) == "off");

  const auto r = ok(run({"serve", "--transform-schedule", "*/5 * * * *", "--cleanup-schedule",
                         "every 10m", "--transform-on-load", "off"}));
  CHECK(gg::app::transform_schedule_text(r.opts) == "*/5 * * * *");
  CHECK(r.opts.cleanup_schedule == "every 10m");
  CHECK_FALSE(r.opts.transform_on_load);
}

TEST_CASE("a schedule and its interval option: the stronger source wins and says so",
          "[unit][app]") {
  // Command line schedule over an environment interval.
  auto a = ok(run({"serve", "--transform-schedule", "every 5m"},
                  {{"GADGETGROVE_TRANSFORM_INTERVAL", "30s"}}));
  CHECK(gg::app::transform_schedule_text(a.opts) == "every 5m");
  CHECK(source_of(a, "transform-interval").find("overridden by transform-schedule") !=
        std::string::npos);
  // Command line interval over an environment schedule.
  auto b = ok(run({"serve", "--load-interval", "30s"}, {{"GADGETGROVE_LOAD_SCHEDULE", "off"}}));
  CHECK(gg::app::load_schedule_text(b.opts) == "every 30s");
  CHECK(source_of(b, "load-schedule").find("overridden by load-interval") != std::string::npos);
}

TEST_CASE("invalid flow options are one-line errors naming the option, exit 2", "[unit][app]") {
  for (auto args : std::vector<std::vector<std::string>>{
           {"serve", "--load-schedule", "every minute"},
           {"serve", "--transform-schedule", "* * *"},
           {"serve", "--cleanup-schedule", "now"},
           {"serve", "--flow-retries", "many"},
           {"serve", "--flow-retry-delay", "soon"},
           {"serve", "--flow-timeout", "never"},
           {"serve", "--run-retention", "forever"},
           {"serve", "--transform-on-load", "maybe"},
           {"runs", "--state", "asleep"},
           {"runs", "--limit", "0"},
           {"run", "transform", "--param", "novalue"},
       }) {
    auto o = run(args);
    INFO(args[1] << " " << args[2] << " -> " << o.err);
    REQUIRE(std::holds_alternative<int>(o.parsed));
    CHECK(std::get<int>(o.parsed) == 2);
    const std::string named = args[1] == "transform" ? args[2] : args[1];
    CHECK(o.err.find(named) != std::string::npos);
  }
}

TEST_CASE("runs and run parse their filters, flow and parameters", "[unit][app]") {
  const auto runs_outcome =
      run({"runs", "--flow", "transform", "--state", "failed", "--limit", "5", "--json"});
  const auto& r = ok(runs_outcome);
  CHECK(r.cmd == gg::app::command::runs);
  CHECK(r.opts.runs_flow == "transform");
  REQUIRE(r.opts.runs_state);
  CHECK(*r.opts.runs_state == gg::flows::run_state::failed);
  CHECK(r.opts.runs_limit == 5);
  CHECK(r.opts.runs_json);

  const auto run_outcome = run(
      {"run", "transform", "--full-refresh", "--select", "stg_orders+", "--param", "command=run"});
  const auto& t = ok(run_outcome);
  CHECK(t.cmd == gg::app::command::run);
  CHECK(t.opts.run_flow == "transform");
  CHECK(t.opts.full_refresh);
  CHECK(t.opts.transform_select == std::vector<std::string>{"stg_orders+"});
  CHECK(t.opts.run_params == std::vector<std::string>{"command=run"});

  auto missing = run({"run"});
  REQUIRE(std::holds_alternative<int>(missing.parsed));
  CHECK(std::get<int>(missing.parsed) == 2);
}

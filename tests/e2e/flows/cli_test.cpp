// `gadgetgrove run` and `gadgetgrove runs` through the built binary: with serve down (the flow
// runs in this process against the database) and with serve up (through its admin API, with
// the admin token from the usual option layering), exit statuses, streamed logs and coalescing.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <sstream>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;
namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// The `field` of each JSON line `runs --json` printed; a line that is not JSON fails the test.
std::vector<std::string> json_field(const std::string& out, const char* field) {
  std::vector<std::string> values;
  simdjson::dom::parser parser;
  for (const auto& line : lines_of(out)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) FAIL("not JSON: " << line);
    std::string_view v;
    if (doc[field].get_string().get(v) != simdjson::SUCCESS) FAIL("no " << field << ": " << line);
    values.emplace_back(v);
  }
  return values;
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

const char* failing_model = "select no_such_column from {{ ref('stg_page_views') }}\n";

TEST_CASE("run and runs without a serve work in this process and exit with the run's outcome",
          "[e2e][flows]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-cli");
  const std::string data = (dir / "data").string();
  const std::vector<std::string> common{"--data-dir",  data,          "--database-url",
                                        db.conninfo(), "--log-level", "warn"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };

  auto transform =
      e2e::cli(with({"run", "transform", "--transform-project", e2e::shipped_project().string()}),
               dir.path());
  CHECK(transform.status == 0);
  CHECK(has(transform.out, "started in this process"));
  CHECK(has(transform.out, "[transform]"));  // the run's log lines, streamed
  CHECK(has(transform.out, " completed in "));

  auto load = e2e::cli(with({"run", "load"}), dir.path());
  CHECK(load.status == 0);
  CHECK(has(load.out, "ingestion summary"));

  const fs::path broken =
      e2e::project_with_model(dir.path(), "broken", "broken_model", failing_model);
  auto failed = e2e::cli(
      with({"run", "transform", "--transform-project", broken.string(), "--flow-retries", "0"}),
      dir.path());
  CHECK(failed.status == 1);
  CHECK(has(failed.out, " failed"));
  CHECK(has(failed.out, "broken_model"));

  auto unknown = e2e::cli(with({"run", "no_such_flow"}), dir.path());
  CHECK(unknown.status == 2);
  CHECK(has(unknown.err, "no flow 'no_such_flow'"));
  auto bad_param = e2e::cli(with({"run", "cleanup", "--param", "colour=blue"}), dir.path());
  CHECK(bad_param.status == 2);
  CHECK(has(bad_param.err, "takes no parameters"));

  auto all = e2e::cli(with({"runs", "--json"}), dir.path());
  REQUIRE(all.status == 0);
  CHECK(json_field(all.out, "flow") ==
        std::vector<std::string>{"transform", "load", "transform"});  // newest first
  auto only_failed = e2e::cli(with({"runs", "--state", "failed", "--json"}), dir.path());
  REQUIRE(only_failed.status == 0);
  CHECK(json_field(only_failed.out, "state") == std::vector<std::string>{"failed"});
  auto by_flow = e2e::cli(with({"runs", "--flow", "load", "--json"}), dir.path());
  REQUIRE(by_flow.status == 0);
  CHECK(json_field(by_flow.out, "flow") == std::vector<std::string>{"load"});
  auto limited = e2e::cli(with({"runs", "--limit", "1", "--json"}), dir.path());
  REQUIRE(limited.status == 0);
  CHECK(json_field(limited.out, "state") == std::vector<std::string>{"failed"});
  auto table = e2e::cli(with({"runs", "--flow", "transform"}), dir.path());
  REQUIRE(table.status == 0);
  CHECK(has(table.out, "completed"));
  CHECK(has(table.out, "failed"));
  CHECK(!has(table.out, "load"));
  auto bad_state = e2e::cli(with({"runs", "--state", "sleeping"}), dir.path());
  CHECK(bad_state.status == 2);
  CHECK(has(bad_state.err, "'sleeping' is not one of"));
}

TEST_CASE(
    "run through a running serve sends the admin token, follows the run and says when it "
    "was coalesced",
    "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-cli");
  const fs::path data = dir / "data";
  // Each transform run takes about 6 s, so a second trigger finds the flow running even on a
  // loaded machine (a CLI process start and its request must fit in that window).
  const fs::path slow = e2e::project_with_model(
      dir.path(), "slow", "slow_model",
      "{{ config(materialized='table') }}\nselect 1 as one from (select pg_sleep(6)) s\n");
  gg::test::serve_process serve(
      data, e2e::serve_args(db, {"--transform-project", slow.string(), "--admin-token", "s3cret",
                                 "--transform-on-load", "off"}));
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  REQUIRE(e2e::wait_flow_idle(conn, "transform", 60s));

  const std::vector<std::string> at{"--data-dir", data.string(), "--log-level", "warn"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), at.begin(), at.end());
    return args;
  };

  auto no_token = e2e::cli(with({"run", "transform"}), dir.path());
  CHECK(no_token.status == 1);
  CAPTURE(no_token.err);
  CHECK(has(no_token.err, "authentication required"));
  CHECK(has(no_token.err, "--admin-token"));

  auto by_flag = e2e::cli(with({"run", "transform", "--admin-token", "s3cret"}), dir.path());
  CHECK(by_flag.status == 0);
  CHECK(has(by_flag.out, "started in serve " + std::to_string(serve.endpoints().pid)));
  CHECK(has(by_flag.out, "slow_model"));  // the run's log, streamed from serve
  CHECK(has(by_flag.out, " completed in "));

  auto by_env =
      e2e::cli(with({"run", "load"}), dir.path(), 60s, {{"GADGETGROVE_ADMIN_TOKEN", "s3cret"}});
  CHECK(by_env.status == 0);
  CHECK(has(by_env.out, "started in serve"));

  // A run while one is going: the first becomes the pending follow-up, the second joins it.
  fs::create_directories(dir / "first");
  fs::create_directories(dir / "fourth");
  fs::create_directories(dir / "fifth");
  gg::test::child_process first(gg::test::binary_path(),
                                with({"run", "transform", "--admin-token", "s3cret"}),
                                dir / "first");
  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from pipeline.flow_runs where flow = 'transform' "
                          "and state = 'running'") == 1;
      },
      20s, 20ms, "the transform run running"));
  auto second = e2e::cli(with({"run", "transform", "--admin-token", "s3cret"}), dir.path());
  CHECK(second.status == 0);
  CHECK(has(second.out, "pending (the flow is running"));
  CHECK(first.wait(60s) == 0);
  CHECK(has(first.stdout_text(), "started in serve"));

  gg::test::child_process fourth(gg::test::binary_path(),
                                 with({"run", "transform", "--admin-token", "s3cret"}),
                                 dir / "fourth");
  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from pipeline.flow_runs where flow = 'transform' "
                          "and state = 'running'") == 1;
      },
      20s, 20ms, "the transform run running"));
  gg::test::child_process fifth(gg::test::binary_path(),
                                with({"run", "transform", "--admin-token", "s3cret"}),
                                dir / "fifth");
  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from pipeline.flow_runs where flow = 'transform' "
                          "and state = 'pending'") == 1;
      },
      20s, 20ms, "the pending transform run"));
  auto sixth = e2e::cli(with({"run", "transform", "--admin-token", "s3cret"}), dir.path());
  CHECK(sixth.status == 0);
  CHECK(has(sixth.out, "folded into the pending run"));
  CHECK(fifth.wait(60s) == 0);
  CHECK(has(fifth.stdout_text(), "pending (the flow is running"));
  CHECK(fourth.wait(60s) == 0);
  // by_flag, first, second, fourth and fifth; sixth joined fifth's pending run.
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                   "trigger = 'manual'") == 5);

  auto runs = e2e::cli({"runs", "--data-dir", data.string(), "--database-url", db.conninfo(),
                        "--flow", "load", "--json"},
                       dir.path());
  CHECK(runs.status == 0);
  const auto triggers = json_field(runs.out, "trigger");
  CHECK(std::count(triggers.begin(), triggers.end(), "manual") == 1);
}

}  // namespace

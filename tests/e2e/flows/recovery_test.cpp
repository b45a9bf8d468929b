// Crash recovery through the built binary: serve killed with SIGKILL in the middle of a
// transform run, then started again on the same data directory, marks the run crashed and
// retries it; a run left running by another process whose lease expired is marked crashed.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;
namespace fs = std::filesystem;

TEST_CASE("a transform run in progress when serve is killed is crashed and retried at restart",
          "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-crash");
  const fs::path data = dir / "data";
  const fs::path slow = e2e::project_with_model(
      dir.path(), "slow", "slow_model",
      "{{ config(materialized='table') }}\nselect 1 as one from (select pg_sleep(4)) s\n");
  // No schedule and no event runs: the only runs are the one started here and its retry.
  const auto args =
      e2e::serve_args(db, {"--transform-project", slow.string(), "--transform-interval", "0",
                           "--transform-on-load", "off", "--flow-retry-delay", "1s"});
  std::string crashed_id;
  {
    gg::test::serve_process serve(data, args);
    std::string why;
    REQUIRE(serve.wait_ready(60s, &why));
    fs::create_directories(dir / "client");
    gg::test::child_process client(
        gg::test::binary_path(), {"run", "transform", "--data-dir", data.string()}, dir / "client");
    REQUIRE(gg::test::eventually(
        [&] {
          return e2e::count(conn,
                            "select count(*) from pipeline.task_runs t join pipeline.flow_runs r "
                            "on r.id = t.flow_run where r.flow = 'transform' and r.state = "
                            "'running' and t.state = 'running'") == 1;
        },
        30s, 20ms, "the transform task running"));
    std::this_thread::sleep_for(500ms);  // inside the slow model's pg_sleep
    crashed_id = e2e::cell(conn,
                           "select id::text from pipeline.flow_runs where flow = "
                           "'transform' and state = 'running'");
    serve.process().signal(SIGKILL);
    REQUIRE(serve.process().wait(10s).has_value());
    // The client loses serve: it says so and fails.
    CHECK(client.wait(30s) == 1);
  }
  REQUIRE(!crashed_id.empty());
  CHECK(e2e::cell(conn, "select state from pipeline.flow_runs where id = '" + crashed_id + "'") ==
        "running");

  gg::test::serve_process again(data, args);
  std::string why;
  REQUIRE(again.wait_ready(60s, &why));
  const auto restarted = std::chrono::steady_clock::now();
  const std::string where = " from pipeline.flow_runs where id = '" + crashed_id + "'";
  REQUIRE(gg::test::eventually([&] { return e2e::cell(conn, "select state" + where) == "crashed"; },
                               10s, 20ms, "the killed run marked crashed"));
  std::cout << "crashed run recovered " +
                   std::to_string(
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted)
                           .count()) +
                   " s after the restart\n";
  CHECK(e2e::cell(conn, "select error" + where).find("stopped responding") != std::string::npos);
  CHECK(e2e::count(conn, "select count(*) from pipeline.task_runs where flow_run = '" + crashed_id +
                             "' and state = 'crashed'") == 1);

  const std::string retry = " from pipeline.flow_runs where parent_run = '" + crashed_id + "'";
  REQUIRE(e2e::count(conn, "select count(*)" + retry) == 1);
  CHECK(e2e::cell(conn, "select trigger" + retry) == "retry");
  CHECK(e2e::count(conn, "select attempt" + retry) == 2);
  REQUIRE(
      gg::test::eventually([&] { return e2e::cell(conn, "select state" + retry) == "completed"; },
                           60s, 50ms, "the retry run completed"));
  CHECK(e2e::count(conn, "select count(*) from analytics.slow_model") == 1);
}

TEST_CASE("a run left running by another process whose lease expired is marked crashed",
          "[e2e][flows]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-lease");
  gg::test::serve_process serve(dir / "data", e2e::serve_args(db, {"--flow-retries", "0"}));
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  // Another node's cleanup run: its heartbeat stopped a minute ago, its lease ran out.
  const std::string id = "01a24431-0000-7000-8000-000000000001";
  auto ins = conn.exec(
      "insert into pipeline.flow_runs (id, flow, trigger, state, started_at, node, lease_until, "
      "heartbeat_at) values ($1::uuid, 'cleanup', 'manual', 'running', now() - interval '2 "
      "minutes', 'elsewhere:4242', now() - interval '30 seconds', now() - interval '1 minute')",
      id);
  if (!ins) FAIL(ins.error().message);
  const std::string where = " from pipeline.flow_runs where id = '" + id + "'";
  REQUIRE(gg::test::eventually([&] { return e2e::cell(conn, "select state" + where) == "crashed"; },
                               10s, 20ms, "the expired run marked crashed"));
  CHECK(e2e::cell(conn, "select error" + where) == "process elsewhere:4242 stopped responding");
  CHECK(e2e::count(conn, "select count(*)" + where + " and ended_at is not null") == 1);
  // --flow-retries 0: no retry.
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where parent_run = '" + id + "'") == 0);
}

}  // namespace

// Schedules and staleness through the built binary: a fire time never yields two runs across
// restarts of serve at that moment, and a flow that keeps failing is reported stale on the
// admin /readyz and /metrics while the public /readyz tells nothing about flows.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "metric_sample.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;
namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST_CASE("a fire time yields exactly one run across restarts of serve at that fire time",
          "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-fire");
  const fs::path data = dir / "data";
  const auto args = e2e::serve_args(db, {"--load-schedule", "every 1s", "--transform-on-load",
                                         "off", "--transform-interval", "0"});
  const std::string last_fire =
      "select coalesce(max(scheduled_for), '-infinity') from pipeline.flow_runs where flow = "
      "'load' and trigger = 'schedule'";
  std::int64_t fired_before = 0;
  for (int round = 0; round < 4; ++round) {
    const std::string before = e2e::cell(conn, "select (" + last_fire + ")::text");
    gg::test::serve_process serve(data, args);
    std::string why;
    REQUIRE(serve.wait_ready(60s, &why));
    // Stop right after a fire time was claimed: SIGKILL in even rounds (the run may be left
    // running), SIGTERM in odd ones (drained).
    REQUIRE(gg::test::eventually(
        [&] {
          return e2e::cell(conn, "select (" + last_fire + ") > '" + before + "'::timestamptz") ==
                 "t";
        },
        10s, 2ms, "a new fire time claimed"));
    serve.process().signal(round % 2 == 0 ? SIGKILL : SIGTERM);
    REQUIRE(serve.process().wait(30s).has_value());
    const auto fired = e2e::count(conn,
                                  "select count(*) from pipeline.flow_runs where flow = 'load' "
                                  "and trigger = 'schedule'");
    CHECK(fired > fired_before);
    fired_before = fired;
  }
  // One more life that runs for a few fire times, so restarts and firing both happened.
  gg::test::serve_process serve(data, args);
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  std::this_thread::sleep_for(3s);
  CHECK(e2e::count(conn,
                   "select count(*) from (select flow, scheduled_for from pipeline.flow_runs "
                   "where trigger = 'schedule' group by 1, 2 having count(*) > 1) d") == 0);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where trigger = 'schedule' and "
                   "scheduled_for is null") == 0);
  CHECK(e2e::cell(conn,
                  "select indexdef from pg_indexes where schemaname = 'pipeline' and indexname "
                  "= 'flow_runs_schedule_key'")
            .find("UNIQUE INDEX") != std::string::npos);
  // Fire times are whole seconds of the schedule, so one per second of running.
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'load' and trigger = "
                   "'schedule' and scheduled_for > now() - interval '3 seconds'") >= 2);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'load' and state in "
                   "('running', 'pending') and lease_until < now()") == 0);
  CHECK(!has(serve.log(), "duplicate key"));
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(30s) == 0);
}

TEST_CASE("a repeatedly failing flow is stale on the admin /readyz and /metrics only",
          "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-stale");
  const fs::path broken =
      e2e::project_with_model(dir.path(), "broken", "broken_model",
                              "select no_such_column from {{ ref('stg_page_views') }}\n");
  gg::test::serve_process serve(
      dir / "data",
      e2e::serve_args(db, {"--transform-project", broken.string(), "--transform-interval", "1s",
                           "--flow-retries", "0", "--transform-on-load", "off"}));
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  gg::test::http_client admin(serve.endpoints().admin_port);
  std::string ready;
  REQUIRE(gg::test::eventually(
      [&] {
        ready = admin.get("/readyz").body;
        return has(ready, R"("stale":["transform"])");
      },
      30s, 100ms, "transform stale on /readyz"));
  INFO(ready);
  CHECK(has(ready, R"("stale_reasons":{"transform":")"));
  CHECK(has(ready, "failed"));
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'transform' and state "
                   "= 'failed'") >= 3);

  const std::string metrics = admin.get("/metrics").body;
  CHECK(gg::test::metric_sample(metrics, R"(gadgetgrove_flow_stale{flow="transform"})") == 1.0);
  CHECK(gg::test::metric_sample(metrics, R"(gadgetgrove_flow_stale{flow="load"})") == 0.0);
  const auto load_success = gg::test::metric_sample(
      metrics, R"(gadgetgrove_flow_last_success_timestamp_seconds{flow="load"})");
  REQUIRE(load_success.has_value());
  CHECK(*load_success > 1.7e9);

  gg::test::http_client pub(serve.endpoints().public_port);
  const std::string public_ready = pub.get("/readyz").body;
  INFO(public_ready);
  CHECK(!has(public_ready, "stale"));
  CHECK(!has(public_ready, "failed"));
  CHECK(!has(public_ready, "broken_model"));
  CHECK(!has(pub.get("/metrics").body, "gadgetgrove_flow"));
}

}  // namespace

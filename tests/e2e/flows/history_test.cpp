// The history rows and artifacts each flow leaves, through the built binary: the load flow's
// ingestion summary (rows per queue as sent), the transform flow's model and test results, the
// cleanup flow's archive report and run retention, and the traffic flow's report.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"

#include <catch2/catch.hpp>

#include <csignal>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;
namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The run id `gadgetgrove run` printed ("run <id> of <flow> started ..."); empty when none.
std::string run_id_of(const std::string& out) {
  const auto at = out.find("run ");
  if (at == std::string::npos) return {};
  const auto end = out.find(' ', at + 4);
  return out.substr(at + 4, end - at - 4);
}

TEST_CASE("load and transform runs record their tasks, logs and artifacts", "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-history");
  const fs::path data = dir / "data";
  gg::test::serve_process serve(
      data, e2e::serve_args(db, {"--transform-project", e2e::shipped_project().string(),
                                 "--transform-interval", "0", "--transform-on-load", "off"}));
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));

  // Five page views in two sessions, three cart events in the first.
  for (int i = 0; i < 5; ++i) {
    REQUIRE(e2e::post_page_view(serve.endpoints().public_port, i < 3 ? "hist-a" : "hist-b") == 200);
  }
  for (int i = 0; i < 3; ++i) {
    REQUIRE(e2e::post_ecommerce_event(serve.endpoints().public_port, "hist-a") == 200);
  }
  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn, "select count(*) from raw_data.page_views") == 5 &&
               e2e::count(conn, "select count(*) from raw_data.ecommerce_events") == 3;
      },
      20s, 20ms, "the events loaded"));

  SECTION("load") {
    auto load = e2e::cli({"run", "load", "--data-dir", data.string()}, dir.path());
    REQUIRE(load.status == 0);
    const std::string id = run_id_of(load.out);
    REQUIRE(id.size() == 36);
    CHECK(e2e::cell(conn,
                    "select trigger || ' ' || state || ' ' || attempt from "
                    "pipeline.flow_runs where id = '" +
                        id + "'") == "manual completed 1");
    CHECK(e2e::cell(conn,
                    "select string_agg(task || ':' || state, ',' order by position) from "
                    "pipeline.task_runs where flow_run = '" +
                        id + "'") == "load:completed,ingestion-summary:completed");
    CHECK(e2e::count(conn, "select count(*) from pipeline.run_logs where flow_run = '" + id +
                               "' and task = 'ingestion-summary'") >= 1);
    CHECK(e2e::count(conn, "select count(*) from pipeline.artifacts where run_id = '" + id +
                               "' and flow = 'load' and key = 'ingestion-summary' and task = "
                               "'ingestion-summary'") == 1);
    // Every row the loader loaded is in exactly one ingestion summary (this run's covers the
    // continuous loader's micro-batches since the previous summary).
    const std::string per_queue =
        "select coalesce(sum((q->>'rows')::bigint), 0) from pipeline.artifacts a, "
        "jsonb_array_elements(a.data->'queues') q where a.key = 'ingestion-summary' and "
        "q->>'queue' = ";
    CHECK(e2e::count(conn, per_queue + "'page_views'") == 5);
    CHECK(e2e::count(conn, per_queue + "'ecommerce_events'") == 3);
    CHECK(e2e::count(conn, per_queue + "'user_events'") == 0);
    CHECK(has(e2e::cell(conn, "select body from pipeline.artifacts where run_id = '" + id + "'"),
              "Rows ingested per queue"));
  }

  SECTION("transform") {
    auto transform = e2e::cli({"run", "transform", "--data-dir", data.string()}, dir.path());
    REQUIRE(transform.status == 0);
    const std::string id = run_id_of(transform.out);
    REQUIRE(id.size() == 36);
    CHECK(e2e::cell(conn,
                    "select string_agg(task || ':' || state, ',') from pipeline.task_runs "
                    "where flow_run = '" +
                        id + "'") == "transform:completed");
    const std::string artifact =
        "from pipeline.artifacts a, jsonb_array_elements(a.data) r where a.run_id = '" + id +
        "' and a.kind = 'table' and a.key = ";
    // A row per model, with the rows it wrote.
    CHECK(e2e::count(conn, "select count(*) " + artifact + "'model-results'") ==
          e2e::count(conn,
                     "select count(*) from pipeline.model_runs m join pipeline.transform_runs t "
                     "on t.run_id = m.run_id where t.trigger = 'flow:transform' and m.node like "
                     "'model.%'"));
    CHECK(e2e::count(conn, "select (r->>'rows')::bigint " + artifact +
                               "'model-results' and r->>'node' like '%session_summary'") ==
          e2e::count(conn, "select count(*) from analytics.session_summary"));
    CHECK(e2e::count(conn, "select count(*) from analytics.session_summary") == 2);
    CHECK(e2e::count(conn, "select count(*) " + artifact +
                               "'model-results' and r->>'status' <> 'success'") == 0);
    // A manual run is a build: the data tests ran and passed (or warned).
    CHECK(e2e::count(conn, "select count(*) " + artifact + "'test-results'") > 0);
    CHECK(e2e::count(conn, "select count(*) " + artifact +
                               "'test-results' and r->>'status' not in ('pass', 'warn')") == 0);
  }
}

TEST_CASE("the cleanup run prunes old runs and artifacts past --run-retention and reports it",
          "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  // 12 000 runs (each with a task run and a log line) and 6 000 artifacts from 40 days ago:
  // more than two batches of each. Plus a run and an artifact inside the retention.
  auto st = conn.exec_script(R"(
    insert into pipeline.flow_runs (id, flow, trigger, state, created_at, started_at, ended_at)
      select ('01a00000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'load', 'manual',
             'completed', now() - interval '40 days', now() - interval '40 days',
             now() - interval '40 days'
      from generate_series(1, 12000) i;
    insert into pipeline.task_runs (flow_run, task, position, state, started_at)
      select id, 'load', 0, 'completed', created_at from pipeline.flow_runs;
    insert into pipeline.run_logs (flow_run, task, logged_at, level, message)
      select id, 'load', created_at, 'info', 'old' from pipeline.flow_runs;
    insert into pipeline.artifacts (flow, run_id, kind, key, title, body, created_at)
      select 'load', 'old', 'markdown', 'ingestion-summary', 'old', 'old',
             now() - interval '40 days'
      from generate_series(1, 6000);
    insert into pipeline.flow_runs (id, flow, trigger, state, created_at, started_at, ended_at)
      values ('01a00000-0000-7000-8000-ffffffffffff', 'load', 'manual', 'completed',
              now() - interval '10 days', now() - interval '10 days', now() - interval '10 days');
    insert into pipeline.artifacts (flow, run_id, kind, key, title, body, created_at)
      values ('load', 'recent', 'markdown', 'ingestion-summary', 'recent', 'recent',
              now() - interval '10 days');
  )");
  if (!st) FAIL(st.error().message);
  gg::test::temp_dir dir("gg-e2e-flows-cleanup");
  const fs::path data = dir / "data";
  // Serve down: the cleanup run in this process, against the same database.
  auto cleanup = e2e::cli({"run", "cleanup", "--data-dir", data.string(), "--database-url",
                           db.conninfo(), "--run-retention", "30d"},
                          dir.path());
  REQUIRE(cleanup.status == 0);
  const std::string id = run_id_of(cleanup.out);
  REQUIRE(id.size() == 36);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where ended_at < now() - "
                   "interval '30 days'") == 0);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.artifacts where created_at < now() - "
                   "interval '30 days'") == 0);
  CHECK(e2e::count(conn, "select count(*) from pipeline.task_runs where task = 'load'") == 0);
  CHECK(e2e::count(conn, "select count(*) from pipeline.run_logs where message = 'old'") == 0);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where id = "
                   "'01a00000-0000-7000-8000-ffffffffffff'") == 1);
  CHECK(e2e::count(conn, "select count(*) from pipeline.artifacts where run_id = 'recent'") == 1);

  CHECK(e2e::cell(conn,
                  "select string_agg(task || ':' || state, ',' order by position) from "
                  "pipeline.task_runs where flow_run = '" +
                      id + "'") == "archive-cleanup:completed,run-retention:completed");
  const std::string artifact = "from pipeline.artifacts where run_id = '" + id + "' and key = ";
  CHECK(e2e::count(conn, "select (data->>'deleted')::bigint " + artifact +
                             "'run-retention-report'") == 18000);
  CHECK(e2e::count(conn, "select (data->>'retention_seconds')::bigint " + artifact +
                             "'run-retention-report'") == 30 * 86400);
  CHECK(e2e::count(
            conn, "select (data->>'files')::bigint " + artifact + "'archive-cleanup-report'") == 0);
}

TEST_CASE("the traffic flow reports what the synthetic shoppers did", "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-traffic");
  const fs::path data = dir / "data";
  gg::test::serve_process serve(
      data, {"--database-url", db.conninfo(), "--traffic", "on", "--traffic-rate", "5",
             "--transform-on-load", "off", "--transform-interval", "0"});
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  REQUIRE(gg::test::eventually(
      [&] { return e2e::count(conn, "select count(*) from raw_data.page_views") > 0; }, 30s, 50ms,
      "synthetic page views loaded"));
  auto traffic = e2e::cli({"run", "traffic", "--data-dir", data.string()}, dir.path());
  REQUIRE(traffic.status == 0);
  const std::string id = run_id_of(traffic.out);
  REQUIRE(id.size() == 36);
  const std::string figure =
      "select coalesce(sum((r->>'count')::bigint), -1) from pipeline.artifacts a, "
      "jsonb_array_elements(a.data) r where a.run_id = '" +
      id + "' and a.key = 'traffic-report' and r->>'figure' = ";
  CHECK(e2e::count(conn, figure + "'sessions started'") > 0);
  CHECK(e2e::count(conn, figure + "'events sent'") > 0);
  CHECK(e2e::count(conn, figure + "'events acknowledged'") > 0);
  CHECK(e2e::count(conn, figure + "'requests failed'") == 0);

  // With serve down there is no traffic to report: a clear error, exit 1.
  serve.process().signal(SIGTERM);
  REQUIRE(serve.process().wait(30s) == 0);
  auto down = e2e::cli(
      {"run", "traffic", "--data-dir", data.string(), "--database-url", db.conninfo()}, dir.path());
  CHECK(down.status == 1);
  CHECK(has(down.err, "no serve is running"));
}

}  // namespace

// `gadgetgrove simulate` against a real `gadgetgrove serve` (its own traffic off, so the models
// leave synthetic shoppers out): every event simulate sends and every order event the shop
// records for its checkouts is stored marked `_synthetic: true`, counted apart by ingest, kept
// in staging, and left out of the analytics models.

#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "metric_sample.hpp"
#include "pg_query.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <regex>
#include <string>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const char* const raw_tables[] = {"page_views", "user_events", "ecommerce_events",
                                  "analytics_events", "event_queue"};

/// One SQL expression summing `expr_per_table` (with {t} replaced by each raw table name).
std::string over_raw_tables(const std::string& expr_per_table) {
  std::string sql = "select 0";
  for (const char* t : raw_tables) {
    sql += " + (" + std::regex_replace(expr_per_table, std::regex("\\{t\\}"), t) + ")";
  }
  return sql;
}

}  // namespace

TEST_CASE(
    "simulate's events and the shop's orders for them are marked synthetic and left out "
    "of the models",
    "[e2e][traffic]") {
  gg::test::temp_dir dir("gg-synthetic-e2e");
  const fs::path data = dir / "data";
  gg::test::serve_process serve(data, {"--traffic", "off"});
  std::string why;
  if (!serve.wait_ready(120s, &why)) FAIL(why);
  auto conn = gg::pg::connection::open(serve.endpoints().database);
  if (!conn) FAIL(conn.error().message);

  const fs::path report = dir / "report.json";
  const auto run =
      gg::test::run_to_end(gg::test::binary_path(),
                           {"simulate", "--data-dir", data.string(), "--rate", "300", "--duration",
                            "3", "--seed", "11", "--concurrency", "8", "--report", report.string()},
                           dir.path(), 60s);
  INFO("simulate stdout:\n" << run.out << "\nstderr:\n" << run.err);
  REQUIRE(run.status == 0);

  gg::test::http_client admin(serve.endpoints().admin_port);
  const std::string metrics = admin.get("/metrics").body;
  const double api =
      gg::test::metric_sample(metrics, R"(gadgetgrove_ingest_synthetic_events_total{source="api"})")
          .value_or(-1);
  const double server =
      gg::test::metric_sample(metrics,
                              R"(gadgetgrove_ingest_synthetic_events_total{source="server"})")
          .value_or(-1);
  INFO("api " << api << ", server " << server);
  CHECK(api > 300);
  CHECK(server > 0);  // the orders of simulate's checkouts

  // Everything ingest counted is loaded; then the models are built from it.
  const auto stored = over_raw_tables("select count(*) from raw_data.{t}");
  REQUIRE(gg::test::eventually(
      [&] { return gg::test::scalar(*conn, stored) == static_cast<std::int64_t>(api + server); },
      60s, 50ms, "every acknowledged event loaded"));
  CHECK(gg::test::scalar(*conn, over_raw_tables("select count(*) from raw_data.{t} where "
                                                "properties->'_synthetic' is distinct from "
                                                "'true'::jsonb")) == 0);
  CHECK(gg::test::scalar(*conn,
                         "select count(*) from raw_data.ecommerce_events where event in "
                         "('order_completed', 'order_failed') and properties->>'_synthetic' = "
                         "'true'") == static_cast<std::int64_t>(server));
  CHECK(gg::test::scalar(*conn,
                         "select count(*) from raw_data.user_events where type = "
                         "'identify'") > 0);

  const auto transform = gg::test::run_to_end(
      gg::test::binary_path(), {"run", "transform", "--data-dir", data.string(), "--full-refresh"},
      dir.path(), 300s);
  INFO("run transform:\n" << transform.out << transform.err);
  REQUIRE(transform.status == 0);
  CHECK(gg::test::scalar(*conn, "select count(*) from staging.stg_page_views where is_synthetic") ==
        gg::test::scalar(*conn, "select count(*) from raw_data.page_views"));
  CHECK(gg::test::scalar(*conn,
                         "select count(*) from staging.stg_ecommerce_events where not "
                         "is_synthetic") == 0);
  CHECK(gg::test::scalar(*conn, "select count(*) from analytics.session_summary") == 0);
  CHECK(gg::test::scalar(*conn, "select count(*) from staging.int_product_events") == 0);
  CHECK(gg::test::scalar(*conn,
                         "select coalesce(sum(total_sessions), 0) from "
                         "analytics.daily_metrics") == 0);
  // The run recorded the var it ran with.
  CHECK(gg::test::text(*conn,
                       "select args::text from pipeline.transform_runs order by started_at "
                       "desc limit 1")
            .find("include_synthetic: false") != std::string::npos);

  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(60s) == std::optional<int>(0));
}

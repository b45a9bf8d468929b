#include "run_artifacts.hpp"

#include "transform_test_support.hpp"

#include <gadgetgrove/core/uuid.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include <fstream>
#include <sstream>

namespace {

using namespace gg::transform;
using namespace gg::transform::test;
namespace json = boost::json;

run_summary sample_summary() {
  run_summary s;
  s.run_id = gg::uuid_v7();
  s.command = run_command::build;
  s.started = gg::now_us();
  s.elapsed = std::chrono::milliseconds(1500);
  node_result model;
  model.unique_id = "model.shop.orders";
  model.resource_type = "model";
  model.name = "orders";
  model.relation = "\"analytics\".\"orders\"";
  model.materialization = "table";
  model.status = node_status::success;
  model.started = s.started;
  model.duration = std::chrono::milliseconds(250);
  model.rows_affected = 12;
  model.adapter_message = "SELECT 12";
  model.thread_id = "Thread-1";
  node_result test;
  test.unique_id = "test.shop.unique_orders_id";
  test.resource_type = "test";
  test.name = "unique_orders_id";
  test.status = node_status::fail;
  test.started = s.started;
  test.failures = 3;
  test.message = "Got 3 results, configured to fail if != 0";
  test.tested_node = "model.shop.orders";
  test.tested_column = "id";
  test.thread_id = "Thread-2";
  node_result skipped;
  skipped.unique_id = "model.shop.after";
  skipped.resource_type = "model";
  skipped.status = node_status::skipped;
  skipped.started = s.started;
  skipped.message = "skipped: upstream test.shop.unique_orders_id did not succeed";
  s.results = {model, test, skipped};
  return s;
}

TEST_CASE("run_results.json carries dbt's field names and values", "[integration][transform]") {
  run_options o;
  o.command = run_command::build;
  o.select = {"orders+"};
  o.threads = 2;
  const auto s = sample_summary();
  gg::test::temp_dir dir;
  REQUIRE(write_artifact(dir.path() / "target", "run_results.json", run_results_json(s, o)));
  std::ifstream in(dir.path() / "target" / "run_results.json");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = json::parse(text.str()).as_object();
  CHECK(doc.at("metadata").at("invocation_id").as_string() == s.run_id.to_string());
  CHECK(doc.at("metadata").at("dbt_schema_version").as_string() ==
        "https://schemas.getdbt.com/dbt/run-results/v6.json");
  CHECK(doc.at("elapsed_time").as_double() == Approx(1.5));
  CHECK(doc.at("args").at("which").as_string() == "build");
  CHECK(doc.at("args").at("select").as_array().at(0).as_string() == "orders+");
  const auto& results = doc.at("results").as_array();
  REQUIRE(results.size() == 3);
  const auto& m = results[0].as_object();
  CHECK(m.at("unique_id").as_string() == "model.shop.orders");
  CHECK(m.at("status").as_string() == "success");
  CHECK(m.at("thread_id").as_string() == "Thread-1");
  CHECK(m.at("execution_time").as_double() == Approx(0.25));
  CHECK(m.at("adapter_response").at("rows_affected").as_int64() == 12);
  CHECK(m.at("adapter_response").at("_message").as_string() == "SELECT 12");
  CHECK(m.at("message").as_string() == "SELECT 12");
  CHECK(m.at("failures").is_null());
  CHECK(m.at("timing").as_array().at(0).at("name").as_string() == "execute");
  const auto& t = results[1].as_object();
  CHECK(t.at("status").as_string() == "fail");
  CHECK(t.at("failures").as_int64() == 3);
  CHECK(results[2].at("timing").as_array().empty());
}

TEST_CASE("a run's results are stored in pipeline.model_runs and pipeline.test_results",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  const auto s = sample_summary();
  run_options o;
  o.command = run_command::build;
  o.trigger = "cli";
  REQUIRE(store_run(conn, s, o, "shop"));
  const std::string id = s.run_id.to_string();
  CHECK(text(conn, "select status from pipeline.transform_runs where run_id = '" + id + "'") ==
        "error");
  CHECK(scalar(conn, "select errors from pipeline.transform_runs") == 1);
  CHECK(scalar(conn, "select count(*) from pipeline.model_runs where run_id = '" + id + "'") == 3);
  CHECK(scalar(conn, "select rows from pipeline.model_runs where node = 'model.shop.orders'") ==
        12);
  CHECK(text(conn, "select status from pipeline.model_runs where node = 'model.shop.after'") ==
        "skipped");
  CHECK(scalar(conn,
               "select failures from pipeline.test_results where test = "
               "'test.shop.unique_orders_id'") == 3);
  CHECK(text(conn, "select model || '.' || column_name from pipeline.test_results") ==
        "model.shop.orders.id");
  // History accumulates: a second run adds rows instead of replacing them.
  auto second = sample_summary();
  REQUIRE(store_run(conn, second, o, "shop"));
  CHECK(scalar(conn, "select count(*) from pipeline.test_results") == 2);
}

}  // namespace

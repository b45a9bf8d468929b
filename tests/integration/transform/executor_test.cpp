#include "graph_executor.hpp"

#include "data_test.hpp"
#include "freshness.hpp"
#include "materializer.hpp"
#include "transform_test_support.hpp"

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace {

using namespace gg::transform;
using namespace gg::transform::test;
using namespace std::chrono_literals;

// A node that builds `spec` as a table from `sql`.
exec_node table_node(const std::string& name, const std::string& sql,
                     std::vector<std::size_t> parents) {
  exec_node n;
  n.unique_id = "model.test." + name;
  n.resource_type = "model";
  n.name = name;
  n.materialization = "table";
  n.parents = std::move(parents);
  n.execute = [name, sql](statement_runner& stmt) {
    node_result r;
    auto out = materialize(stmt, model(name, "table"), fixed_sql(sql), materialize_options{});
    if (!out) {
      r.status =
          out.error().code == gg::errc::cancelled ? node_status::cancelled : node_status::error;
      r.message = out.error().message;
    } else {
      r.status = node_status::success;
      r.rows_affected = out->rows;
    }
    return r;
  };
  return n;
}

std::map<std::string, node_status> by_id(const std::vector<node_result>& results) {
  std::map<std::string, node_status> out;
  for (const auto& r : results) out[r.unique_id] = r.status;
  return out;
}

TEST_CASE("a failed model skips only its descendants while the rest of the graph runs",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  // a -> bad -> after_bad -> after_after ; a -> fine ; independent
  std::vector<exec_node> nodes;
  nodes.push_back(table_node("a", "select 1 as id", {}));
  nodes.push_back(table_node("bad", "select id from analytics.a where nope", {0}));
  nodes.push_back(table_node("after_bad", "select * from analytics.bad", {1}));
  nodes.push_back(table_node("after_after", "select * from analytics.after_bad", {2}));
  nodes.push_back(table_node("fine", "select * from analytics.a", {0}));
  nodes.push_back(table_node("independent", "select 2 as id", {}));
  std::vector<std::string> progress;
  executor_options o;
  o.conninfo = db.conninfo();
  o.threads = 3;
  o.on_done = [&](const node_result& r) { progress.push_back(r.unique_id); };
  auto r = execute_graph(std::move(nodes), o);
  REQUIRE(r.has_value());
  auto s = by_id(*r);
  CHECK(s["model.test.a"] == node_status::success);
  CHECK(s["model.test.bad"] == node_status::error);
  CHECK(s["model.test.after_bad"] == node_status::skipped);
  CHECK(s["model.test.after_after"] == node_status::skipped);
  CHECK(s["model.test.fine"] == node_status::success);
  CHECK(s["model.test.independent"] == node_status::success);
  CHECK(progress.size() == 6);
  for (const auto& n : *r) {
    if (n.unique_id == "model.test.after_after") {
      CHECK(n.message.find("model.test.bad") != std::string::npos);
    }
    if (n.unique_id == "model.test.bad") {
      CHECK(n.message.find("compiled line 1") != std::string::npos);
      CHECK_FALSE(n.thread_id.empty());
    }
  }
}

TEST_CASE("independent nodes run in parallel on separate connections", "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  std::vector<exec_node> nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.push_back(
        table_node("sleepy" + std::to_string(i), "select 1 as s from pg_sleep(0.5)", {}));
  }
  executor_options o;
  o.conninfo = db.conninfo();
  o.threads = 4;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = execute_graph(std::move(nodes), o);
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(r.has_value());
  std::set<std::string> threads;
  for (const auto& n : *r) {
    CHECK(n.status == node_status::success);
    threads.insert(n.thread_id);
  }
  CHECK(threads.size() == 4);
  CHECK(took < 1900ms);  // serially it would be 2 s
}

TEST_CASE("--fail-fast stops scheduling after the first error", "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  std::vector<exec_node> nodes;
  nodes.push_back(table_node("bad", "select * from missing_table", {}));
  nodes.push_back(table_node("later1", "select 1 as id", {0}));
  for (int i = 0; i < 5; ++i)
    nodes.push_back(table_node("other" + std::to_string(i), "select 1 as id", {0}));
  executor_options o;
  o.conninfo = db.conninfo();
  o.threads = 1;
  o.fail_fast = true;
  auto r = execute_graph(std::move(nodes), o);
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 7);
  CHECK((*r)[0].status == node_status::error);
  for (std::size_t i = 1; i < r->size(); ++i) CHECK((*r)[i].status == node_status::skipped);

  std::vector<exec_node> independent;
  independent.push_back(table_node("bad", "select * from missing_table", {}));
  for (int i = 0; i < 5; ++i) {
    independent.push_back(table_node("other" + std::to_string(i), "select 1 as id", {}));
  }
  auto r2 = execute_graph(std::move(independent), o);
  REQUIRE(r2.has_value());
  auto s = by_id(*r2);
  CHECK(s["model.test.other4"] == node_status::skipped);
}

TEST_CASE("a stop request cancels the running node and the rest is reported cancelled",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  std::vector<exec_node> nodes;
  nodes.push_back(table_node("slow", "select 1 as s from pg_sleep(30)", {}));
  nodes.push_back(table_node("after", "select 1 as id", {0}));
  std::stop_source stop;
  executor_options o;
  o.conninfo = db.conninfo();
  o.threads = 2;
  o.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = execute_graph(std::move(nodes), o);
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  REQUIRE(r.has_value());
  auto s = by_id(*r);
  CHECK(s["model.test.slow"] == node_status::cancelled);
  CHECK(s["model.test.after"] == node_status::cancelled);
}

TEST_CASE("data tests pass, warn and fail by severity, warn_if/error_if, limit and store failures",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn,
       "create table analytics.orders (id int); insert into analytics.orders select g % 8 "
       "from generate_series(1, 20) g");
  std::stop_source stop;
  statement_runner stmt(conn, stop.get_token());
  test_spec t;
  t.unique_id = "test.test.unique_orders_id";
  t.path = "models/schema.yml";
  t.sql = "select id, count(*) from analytics.orders group by id having count(*) > 1";
  t.audit_relation = relation_name{"", "public_dbt_test__audit", "unique_orders_id"};

  auto run = [&](const test_spec& spec) {
    auto r = run_data_test(stmt, spec);
    if (!r) FAIL(r.error().message);
    return *r;
  };
  auto failing = run(t);
  CHECK(failing.status == node_status::fail);
  CHECK(failing.failures == 8);
  CHECK(failing.message == "Got 8 results, configured to fail if != 0");

  t.severity = "warn";
  CHECK(run(t).status == node_status::warn);
  t.severity = "error";
  t.error_if = ">10";
  CHECK(run(t).status == node_status::warn);  // warn_if '!= 0' still holds
  t.warn_if = "> 9";
  CHECK(run(t).status == node_status::pass);
  t.warn_if = "!= 0";
  t.error_if = "!= 0";
  t.limit = 3;
  CHECK(run(t).failures == 3);
  t.limit.reset();
  t.store_failures = true;
  CHECK(run(t).failures == 8);
  CHECK(scalar(conn, "select count(*) from public_dbt_test__audit.unique_orders_id") == 8);
  t.sql = "select id from analytics.orders where id is null";
  auto passing = run(t);
  CHECK(passing.status == node_status::pass);
  CHECK(scalar(conn, "select count(*) from public_dbt_test__audit.unique_orders_id") == 0);

  t.warn_if = "!= 0; drop table analytics.orders";
  auto bad = run_data_test(stmt, t);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == gg::errc::config);
  CHECK(parse_test_condition(" == 4").value() == "= 4");
}

TEST_CASE("source freshness compares the newest loaded_at with warn_after and error_after",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  std::stop_source stop;
  statement_runner stmt(conn, stop.get_token());
  freshness_spec s;
  s.unique_id = "source.test.raw_data.page_views";
  s.relation = relation_name{"", "raw_data", "page_views"};
  s.loaded_at_field = "loaded_at";
  s.warn_after_seconds = 3600;
  s.error_after_seconds = 86400;
  auto empty = check_freshness(stmt, s);
  REQUIRE(empty.has_value());
  CHECK(empty->status == node_status::error);

  exec(conn,
       "insert into raw_data.page_views (event_id, server_timestamp, queue_name, loaded_at) "
       "values (gen_random_uuid(), now(), 'page_views', now() - interval '2 hours')");
  auto warn = check_freshness(stmt, s);
  REQUIRE(warn.has_value());
  CHECK(warn->status == node_status::warn);
  CHECK(*warn->age_seconds > 7000);
  s.filter = "queue_name = 'nothing'";
  CHECK(check_freshness(stmt, s)->status == node_status::error);
  s.filter.clear();
  exec(conn,
       "insert into raw_data.page_views (event_id, server_timestamp, queue_name, loaded_at) "
       "values (gen_random_uuid(), now(), 'page_views', now() - interval '3 days')");
  exec(conn, "delete from raw_data.page_views where loaded_at > now() - interval '1 day'");
  CHECK(check_freshness(stmt, s)->status == node_status::error);
  exec(conn,
       "insert into raw_data.page_views (event_id, server_timestamp, queue_name) values "
       "(gen_random_uuid(), now(), 'page_views')");
  CHECK(check_freshness(stmt, s)->status == node_status::pass);
  CHECK(freshness_seconds(2, "hour").value() == 7200);
  CHECK_FALSE(freshness_seconds(2, "week"));
}

}  // namespace

#include <gadgetgrove/transform/runner.hpp>
#include <gadgetgrove/transform/transform_stage.hpp>

#include "transform_test_support.hpp"

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include <chrono>
#include <fstream>
#include <thread>

namespace {

using namespace gg::transform;
using namespace gg::transform::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p);
  out << text;
}

// A small project: a source, a view, a table after it, a slow table, and a test.
fs::path write_project(const gg::test::temp_dir& dir, const std::string& slow_sql) {
  const fs::path root = dir.path() / "project";
  write(root / "dbt_project.yml",
        "name: small\nversion: '1.0'\nconfig-version: 2\nmodels:\n  small:\n    +materialized: "
        "table\n");
  write(root / "models/sources.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: raw_data\n    tables:\n      - name: "
        "items\n");
  write(root / "models/stg_items.sql",
        "{{ config(materialized='view') }}\nselect id, name from {{ source('raw', 'items') }}\n");
  write(root / "models/item_names.sql",
        "select id, upper(name) as name from {{ ref('stg_items') }}\n");
  write(root / "models/slow.sql", slow_sql);
  write(root / "models/schema.yml",
        "version: 2\nmodels:\n  - name: item_names\n    columns:\n      - name: id\n        "
        "data_tests: [unique, not_null]\n");
  return root;
}

run_options options_for(const gg::test::pg_database& db, const fs::path& project) {
  run_options o;
  o.project_dir = project;
  o.conninfo = db.conninfo();
  o.threads = 2;
  return o;
}

TEST_CASE("run() builds a project, stores its results and build runs the tests",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn,
       "create table raw_data.items (id int, name text); insert into raw_data.items values "
       "(1, 'a'), (2, 'b')");
  gg::test::temp_dir dir;
  const auto project = write_project(dir, "select 1 as id\n");
  auto o = options_for(db, project);
  o.command = run_command::build;
  o.target_path = dir.path() / "target";
  std::vector<std::string> progress;
  o.on_node_done = [&](const node_result& r) { progress.push_back(r.unique_id); };
  auto r = run(o);
  REQUIRE(r.has_value());
  CHECK(r->exit_code() == 0);
  CHECK(r->count(node_status::success) == 3);
  CHECK(r->count(node_status::pass) == 2);
  CHECK(progress.size() == 5);
  CHECK(text(conn, "select name from public.item_names where id = 2") == "B");
  CHECK(scalar(conn, "select count(*) from pipeline.model_runs where run_id = '" +
                         r->run_id.to_string() + "'") == 5);
  CHECK(scalar(conn, "select count(*) from pipeline.test_results where status = 'pass'") == 2);
  CHECK(fs::exists(dir.path() / "target/run_results.json"));
  const auto summary = format_summary(*r);
  CHECK(summary.find("PASS=5") != std::string::npos);
}

TEST_CASE(
    "models run without PostgreSQL's JIT compiler, and a pre-hook can turn it on for its model",
    "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, "create table raw_data.items (id int, name text)");
  REQUIRE(text(conn, "select current_setting('jit')") == "on");  // the server's default
  gg::test::temp_dir dir;
  const auto project = write_project(dir, "select current_setting('jit') as jit\n");
  write(project / "models/jit_wanted.sql",
        "{{ config(pre_hook=\"set local jit = on\") }}\nselect current_setting('jit') as jit\n");
  auto r = run(options_for(db, project));
  REQUIRE(r.has_value());
  CHECK(r->exit_code() == 0);
  CHECK(text(conn, "select jit from public.slow") == "off");
  CHECK(text(conn, "select jit from public.jit_wanted") == "on");
}

TEST_CASE("two runs on one database at once are serialised", "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, "create table raw_data.items (id int, name text)");
  gg::test::temp_dir dir;
  const auto project = write_project(dir, "select 1 as id from pg_sleep(0.5)\n");
  gg::result<run_summary> first = gg::error{}, second = gg::error{};
  std::thread a([&] { first = run(options_for(db, project)); });
  std::thread b([&] { second = run(options_for(db, project)); });
  a.join();
  b.join();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->exit_code() == 0);
  CHECK(second->exit_code() == 0);
  // No node of one run overlaps a node of the other.
  CHECK(scalar(conn,
               "select count(*) from pipeline.model_runs x join pipeline.model_runs y on x.run_id "
               "< y.run_id where x.started_at < y.started_at + y.duration_s * interval '1 second' "
               "and y.started_at < x.started_at + x.duration_s * interval '1 second'") == 0);
}

TEST_CASE("the stage cancels a running run on request_stop and then refuses new runs",
          "[integration][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, "create table raw_data.items (id int, name text)");
  gg::test::temp_dir dir;
  const auto project = write_project(dir, "select 1 as id from pg_sleep(30)\n");
  transform_stage stage([&] { return db.conninfo(); }, project);
  REQUIRE(stage.start());
  gg::result<run_summary> r = gg::error{};
  const auto t0 = std::chrono::steady_clock::now();
  std::thread runner([&] { r = stage.run(run_options{}); });
  std::this_thread::sleep_for(1s);
  stage.request_stop();
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 10s));
  runner.join();
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  REQUIRE(r.has_value());
  CHECK(r->cancelled);
  CHECK(r->count(node_status::cancelled) >= 1);
  CHECK(text(conn, "select status from pipeline.transform_runs") == "cancelled");
  auto refused = stage.run(run_options{});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == gg::errc::cancelled);
}

}  // namespace

// The built binary runs dbt-style projects: a fixture written the way dbt-postgres users write
// them, the project compiler's jaffle fixture, and the shipped project over a small dataset.

#include <catch2/catch.hpp>

#include <child_process.hpp>
#include <eventually.hpp>
#include <pg_fixture.hpp>
#include <pg_query.hpp>
#include <serve_process.hpp>
#include <temp_dir.hpp>

#include <gadgetgrove/pg/connection.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path source_dir() {
  const char* src = std::getenv("GG_SOURCE_DIR");
  if (src == nullptr) FAIL("GG_SOURCE_DIR is not set");
  return src;
}

fs::path fixture_dir() { return source_dir() / "tests/e2e/transform/project"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in) FAIL("cannot read " << p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void exec(gg::pg::connection& conn, const std::string& sql) {
  auto st = conn.exec_script(sql);
  if (!st) FAIL(sql.substr(0, 200) << ": " << st.error().message);
}

using gg::test::scalar;
using gg::test::text;

// A copy of the fixture project, so a test can add files to it.
fs::path copy_fixture(const gg::test::temp_dir& dir) {
  const fs::path to = dir.path() / "project";
  fs::copy(fixture_dir(), to, fs::copy_options::recursive);
  return to;
}

gg::test::run_result transform(const std::vector<std::string>& args,
                               const gg::test::pg_database& db, const gg::test::temp_dir& dir) {
  std::vector<std::string> full{"transform"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--database-url", db.conninfo(), "--data-dir",
                           (dir.path() / "data").string(), "--log-level", "warn"});
  auto r = gg::test::run_to_end(gg::test::binary_path(), full, dir.path(), 120s);
  UNSCOPED_INFO("gadgetgrove " << args.at(0) << " exit " << r.status << "\nstdout:\n"
                               << r.out << "\nstderr:\n"
                               << r.err);
  return r;
}

TEST_CASE("a dbt project written for dbt-postgres runs unchanged and writes run_results.json",
          "[e2e][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, read_file(fixture_dir() / "raw_data.sql"));
  gg::test::temp_dir dir;
  const fs::path project = copy_fixture(dir);
  const fs::path target = dir.path() / "target";

  auto run =
      transform({"run", "--project", project.string(), "--target-path", target.string()}, db, dir);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("PASS=4") != std::string::npos);
  // Folder configs, the generate_schema_name override and config(schema=...) decide schemas.
  CHECK(text(conn,
             "select table_type from information_schema.tables where table_schema = "
             "'fx_staging' and table_name = 'stg_orders'") == "VIEW");
  CHECK(text(conn,
             "select table_type from information_schema.tables where table_schema = "
             "'fx_marts' and table_name = 'customer_revenue'") == "BASE TABLE");
  CHECK(text(conn, "select revenue::text from fx_marts.customer_revenue where customer_id = 1") ==
        "35.50");
  CHECK(scalar(conn,
               "select count(*) from pg_indexes where schemaname = 'fx_marts' and "
               "tablename = 'customer_revenue'") == 1);

  auto doc = boost::json::parse(read_file(target / "run_results.json")).as_object();
  CHECK(doc.at("results").as_array().size() == 4);
  CHECK(doc.at("args").at("which").as_string() == "run");
  for (const auto& r : doc.at("results").as_array()) {
    CHECK(r.at("status").as_string() == "success");
  }
  const std::string run_id(doc.at("metadata").at("invocation_id").as_string());
  CHECK(scalar(conn, "select count(*) from pipeline.model_runs where run_id = '" + run_id +
                         "' and status = 'success'") == 4);

  // A second run is incremental: a new order and a changed one are merged by unique_key.
  exec(conn,
       "insert into fx_raw.orders (id, customer_id, amount, status) values (5, 2, 300, "
       "'placed'); update fx_raw.orders set status = 'shipped', loaded_at = now() where id = 1");
  auto again = transform({"run", "--project", project.string()}, db, dir);
  REQUIRE(again.status == 0);
  CHECK(scalar(conn, "select count(*) from fx_marts.orders_enriched") == 5);
  CHECK(text(conn, "select status from fx_marts.orders_enriched where order_id = 1") == "shipped");
  CHECK(text(conn, "select revenue::text from fx_marts.customer_revenue where customer_id = 2") ==
        "3.00");

  auto tests = transform({"test", "--project", project.string()}, db, dir);
  CHECK(tests.status == 0);
  // accepted_values on orders_enriched.status passes only because its `where` leaves out the
  // returned order.
  CHECK(scalar(conn, "select count(*) from pipeline.test_results where status = 'pass'") >= 10);
  CHECK(scalar(conn, "select count(*) from pipeline.test_results where status <> 'pass'") == 0);

  auto fresh = transform(
      {"freshness", "--project", project.string(), "--target-path", target.string()}, db, dir);
  CHECK(fresh.status == 0);
  CHECK(fs::exists(target / "sources.json"));
  exec(conn, "update fx_raw.orders set loaded_at = now() - interval '2 days'");
  auto stale = transform({"freshness", "--project", project.string()}, db, dir);
  CHECK(stale.status == 1);
  CHECK(text(conn, "select status from pipeline.source_freshness order by id desc limit 1") ==
        "error");
}

TEST_CASE("build skips the descendants of a failed model and of a failed test, and exits 1",
          "[e2e][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, read_file(fixture_dir() / "raw_data.sql"));
  gg::test::temp_dir dir;
  const fs::path project = copy_fixture(dir);
  {
    std::ofstream broken(project / "models/staging/stg_broken.sql");
    broken << "select id,\n  nme\nfrom {{ source('fx_raw', 'customers') }}\n";
    std::ofstream child(project / "models/marts/after_broken.sql");
    child << "select * from {{ ref('stg_broken') }}\n";
  }
  // A duplicate order id makes the unique test of stg_orders fail: orders_enriched and
  // everything after it are skipped, the customers branch still runs.
  exec(conn,
       "alter table fx_raw.orders drop constraint orders_pkey; insert into fx_raw.orders "
       "(id, customer_id, amount, status) values (4, 3, 100, 'placed')");
  auto r = transform({"build", "--project", project.string()}, db, dir);
  CHECK(r.status == 1);
  CHECK(r.out.find("stg_broken.sql, compiled line 2") != std::string::npos);
  auto status_of = [&](const std::string& node) {
    return text(conn, "select status from pipeline.model_runs where node = '" + node + "'");
  };
  CHECK(status_of("model.shop_fixture.stg_broken") == "error");
  CHECK(status_of("model.shop_fixture.after_broken") == "skipped");
  CHECK(status_of("model.shop_fixture.stg_customers") == "success");
  CHECK(status_of("model.shop_fixture.orders_enriched") == "skipped");
  CHECK(status_of("model.shop_fixture.customer_revenue") == "skipped");
  CHECK(scalar(conn, "select count(*) from pipeline.test_results where status = 'fail'") == 1);
  // store_failures kept the failing row in the audit schema (named by the project's
  // generate_schema_name override, which uses the custom schema as it is).
  CHECK(scalar(conn, "select count(*) from dbt_test__audit.unique_stg_orders_order_id") == 1);
}

TEST_CASE("selection, fail-fast and project errors give dbt's behaviour and exit statuses",
          "[e2e][transform]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, read_file(fixture_dir() / "raw_data.sql"));
  gg::test::temp_dir dir;
  const fs::path project = copy_fixture(dir);

  auto ls = transform({"ls", "--project", project.string(), "-s", "tag:staging"}, db, dir);
  CHECK(ls.status == 0);
  CHECK(ls.out.find("model.shop_fixture.stg_orders") != std::string::npos);
  CHECK(ls.out.find("customer_revenue") == std::string::npos);

  auto one = transform({"run", "--project", project.string(), "-s", "stg_customers"}, db, dir);
  CHECK(one.status == 0);
  CHECK(scalar(conn,
               "select count(*) from information_schema.tables where table_schema = "
               "'fx_marts'") == 0);

  auto compiled =
      transform({"compile", "--project", project.string(), "-s", "stg_orders"}, db, dir);
  CHECK(compiled.status == 0);
  CHECK(compiled.out.find("round(amount / 100.0, 2)") != std::string::npos);

  {
    std::ofstream bad(project / "models/marts/dangling.sql");
    bad << "select * from {{ ref('no_such_model') }}\n";
  }
  auto broken = transform({"run", "--project", project.string()}, db, dir);
  CHECK(broken.status == 2);
  CHECK(broken.err.find("no_such_model") != std::string::npos);
  fs::remove(project / "models/marts/dangling.sql");

  auto usage = transform({"run", "--project", project.string(), "--threads", "0"}, db, dir);
  CHECK(usage.status == 2);
}

TEST_CASE("the project compiler's jaffle fixture builds and its tests pass", "[e2e][transform]") {
  const fs::path jaffle = source_dir() / "tests/unit/transform_project/projects/jaffle";
  REQUIRE(fs::exists(jaffle / "dbt_project.yml"));
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  exec(conn, read_file(jaffle / "raw_data.sql"));
  gg::test::temp_dir dir;
  auto r = transform({"build", "--project", jaffle.string(), "--threads", "2"}, db, dir);
  CHECK(r.status == 0);
  CHECK(scalar(conn, "select count(*) from pipeline.model_runs where status = 'error'") == 0);
}

// Rows of tests/integration/transform_models/loadN.tsv into raw_data.* as the loader stores
// them (the models engineer's small dataset: sessions of every outcome, a bot, two days).
void load_events(gg::pg::connection& conn, const fs::path& tsv) {
  std::istringstream in(read_file(tsv));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      f.push_back(line.substr(start, tab - start));
    }
    f.push_back(line.substr(start));
    REQUIRE(f.size() == 10);
    auto opt = [](const std::string& v) { return v.empty() ? std::optional<std::string>{} : v; };
    const std::string sql = "insert into raw_data." + f[0] +
                            " (event_id, type, event, \"timestamp\", server_timestamp, session_id, "
                            "user_id, path, properties, is_bot, queue_name) values ($1::uuid, $2, "
                            "$3, $4::timestamptz, $4::timestamptz, $5, $6, $7, $8::jsonb, "
                            "$9::boolean, $10)";
    auto r = conn.exec(sql, f[1], opt(f[2]), opt(f[3]), f[4], opt(f[5]), opt(f[6]), opt(f[7]),
                       opt(f[8]), f[9], f[0]);
    if (!r) FAIL(line << ": " << r.error().message);
  }
}

TEST_CASE("the shipped project builds over a small loaded dataset and refreshes incrementally",
          "[e2e][transform]") {
  const fs::path shipped = source_dir() / "sql/transform";
  const fs::path data = source_dir() / "tests/integration/transform_models";
  REQUIRE(fs::exists(shipped / "dbt_project.yml"));
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  load_events(conn, data / "load1.tsv");
  gg::test::temp_dir dir;
  auto built = transform({"build", "--project", shipped.string()}, db, dir);
  CHECK(built.status == 0);
  CHECK(scalar(conn, "select count(*) from analytics.session_summary") > 0);
  CHECK(scalar(conn, "select count(*) from pipeline.test_results") > 0);
  // Warnings are allowed (the relationships test to the shop's catalog warns: no catalog here).
  CHECK(scalar(conn,
               "select count(*) from pipeline.test_results where status in ('fail', "
               "'error')") == 0);

  load_events(conn, data / "load2.tsv");
  auto refreshed = transform({"run", "--project", shipped.string()}, db, dir);
  CHECK(refreshed.status == 0);
  CHECK(scalar(conn, "select count(distinct run_id) from pipeline.model_runs") == 2);
}

TEST_CASE("serve's transform flow runs the shipped project on its interval and stops cleanly",
          "[e2e][transform]") {
  const fs::path data = source_dir() / "tests/integration/transform_models";
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  load_events(conn, data / "load1.tsv");
  gg::test::temp_dir dir;
  gg::test::serve_process serve(
      dir.path() / "data",
      {"--database-url", db.conninfo(), "--traffic", "off", "--transform-interval", "1s",
       "--transform-project", (source_dir() / "sql/transform").string()});
  std::string why;
  REQUIRE(serve.wait_ready(60s, &why));
  CHECK(gg::test::eventually(
      [&] {
        return scalar(conn,
                      "select count(*) from pipeline.transform_runs where trigger = "
                      "'flow:transform'") >= 1;
      },
      30s, 100ms, "a transform run started by the flow"));
  CHECK(text(conn,
             "select status from pipeline.transform_runs where trigger = 'flow:transform' order "
             "by run_id limit 1") == "success");
  // The run is one of the transform flow's, recorded in the flow history with its artifacts
  // (the flow run completes just after its transform run is stored).
  CHECK(gg::test::eventually(
      [&] {
        return scalar(conn,
                      "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                      "state = 'completed'") >= 1;
      },
      10s, 50ms, "the transform flow run completed"));
  CHECK(scalar(conn,
               "select count(*) from pipeline.artifacts a join pipeline.flow_runs r on "
               "a.run_id = r.id::text where r.flow = 'transform' and a.key = 'model-results'") >=
        1);
  CHECK(scalar(conn, "select count(*) from analytics.session_summary") > 0);
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(30s) == 0);
}

}  // namespace

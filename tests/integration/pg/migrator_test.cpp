#include <gadgetgrove/pg/migrator.hpp>

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include "pg_fixture.hpp"
#include "pg_test_helpers.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

using gg::test::must;
using gg::test::pg_database;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::string scalar(gg::pg::connection& c, const char* sql) {
  auto r = must(c.exec(sql));
  return std::string(r.get(0, 0));
}

}  // namespace

TEST_CASE("the initial migration creates the raw tables with their columns and indexes",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  auto report = must(gg::pg::migrate(c, gg::test::pg_migrations_dir()));
  REQUIRE_FALSE(report.applied.empty());
  CHECK(report.applied.front().version == 1);
  CHECK(report.applied.front().name == "initial");
  for (const char* table :
       {"page_views", "user_events", "ecommerce_events", "analytics_events", "event_queue"}) {
    INFO(table);
    auto cols = must(c.exec(
        "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ',' ORDER BY "
        "ordinal_position) FROM information_schema.columns WHERE table_schema = 'raw_data' AND "
        "table_name = $1",
        table));
    CHECK(cols.get(0, 0) ==
          "id:bigint:NO,event_id:uuid:NO,type:text:YES,event:text:YES,"
          "timestamp:timestamp with time zone:YES,server_timestamp:timestamp with time zone:NO,"
          "session_id:text:YES,user_id:text:YES,client_ip:text:YES,user_agent:text:YES,"
          "url:text:YES,path:text:YES,properties:jsonb:YES,queue_name:text:NO,"
          "processed_timestamp:timestamp with time zone:YES,is_bot:boolean:NO,"
          "loaded_at:timestamp with time zone:NO,load_xid:bigint:NO");
    auto idx =
        must(c.exec("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE "
                    "schemaname = 'raw_data' AND tablename = $1",
                    table));
    const std::string t = table;
    CHECK(idx.get(0, 0) == t + "_event_id_key," + t + "_load_xid_brin," + t + "_loaded_at_brin," +
                               t + "_pkey," + t + "_server_timestamp_idx," + t +
                               "_session_id_idx," + t + "_timestamp_idx");
    auto ins = must(c.exec(std::string("INSERT INTO raw_data.") + table +
                           " (event_id, server_timestamp, queue_name) VALUES "
                           "(gen_random_uuid(), now(), 'q') RETURNING id, is_bot, "
                           "load_xid = pg_current_xact_id()::text::bigint"));
    CHECK(ins.get(0, 0) == "1");
    CHECK(ins.get(0, 1) == "f");
    // The load stamp: the inserting transaction's id.
    CHECK(ins.get(0, 2) == "t");
  }
  CHECK(scalar(c,
               "SELECT count(*) FROM pg_namespace WHERE nspname IN "
               "('raw_data', 'staging', 'analytics', 'pipeline')") == "4");
}

TEST_CASE("running the migrations twice changes nothing the second time", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  auto first = must(gg::pg::migrate(c, gg::test::pg_migrations_dir()));
  const auto rows = scalar(c, "SELECT count(*) FROM pipeline.schema_migrations");
  const auto applied_at = scalar(c, "SELECT max(applied_at)::text FROM pipeline.schema_migrations");
  auto second = must(gg::pg::migrate(c, gg::test::pg_migrations_dir()));
  CHECK(second.applied.empty());
  CHECK(second.skipped.size() == first.applied.size());
  CHECK(second.warnings.empty());
  CHECK(scalar(c, "SELECT count(*) FROM pipeline.schema_migrations") == rows);
  CHECK(scalar(c, "SELECT max(applied_at)::text FROM pipeline.schema_migrations") == applied_at);
}

TEST_CASE("a failing migration leaves neither its changes nor its row", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  gg::test::temp_dir dir("gg-pg-mig");
  write(dir / "0001_first.sql", "CREATE TABLE first (x int);\nINSERT INTO first VALUES (1);\n");
  write(dir / "0002_second.sql",
        "CREATE TABLE second (x int);\nINSERT INTO second VALUES (1);\nSELECT * FROM missing;\n");
  write(dir / "0003_third.sql", "CREATE TABLE third (x int);\n");
  auto r = gg::pg::migrate(c, dir.path());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("0002_second.sql") != std::string::npos);
  CHECK(r.error().message.find("\"missing\" does not exist") != std::string::npos);
  CHECK(r.error().message.find("42P01") != std::string::npos);
  CHECK(scalar(c, "SELECT string_agg(version::text, ',') FROM pipeline.schema_migrations") == "1");
  CHECK(scalar(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('second', 'third')") == "0");
  CHECK(scalar(c, "SELECT count(*) FROM first") == "1");

  write(dir / "0002_second.sql", "CREATE TABLE second (x int);\n");
  auto fixed = must(gg::pg::migrate(c, dir.path()));
  CHECK(fixed.applied.size() == 2);
  CHECK(scalar(c,
               "SELECT string_agg(version::text, ',' ORDER BY version) FROM "
               "pipeline.schema_migrations") == "1,2,3");
}

TEST_CASE("an applied migration whose file changed is reported, not re-applied",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  gg::test::temp_dir dir("gg-pg-mig");
  write(dir / "0001_t.sql", "CREATE TABLE t (x int);\n");
  must(gg::pg::migrate(c, dir.path()));
  write(dir / "0001_t.sql", "CREATE TABLE t (x int, y int);\n");
  auto again = must(gg::pg::migrate(c, dir.path()));
  CHECK(again.applied.empty());
  REQUIRE(again.warnings.size() == 1);
  CHECK(again.warnings[0].find("0001_t.sql") != std::string::npos);
  CHECK(scalar(c, "SELECT count(*) FROM information_schema.columns WHERE table_name = 't'") == "1");
}

TEST_CASE("migrations apply in numeric order and badly named files are refused",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  gg::test::temp_dir dir("gg-pg-mig");
  write(dir / "10_later.sql", "INSERT INTO log VALUES (10);\n");
  write(dir / "2_create.sql", "CREATE TABLE log (v int);\n");
  write(dir / "README.md", "not a migration\n");
  auto ok = must(gg::pg::migrate(c, dir.path()));
  REQUIRE(ok.applied.size() == 2);
  CHECK(ok.applied[0].version == 2);
  CHECK(ok.applied[1].version == 10);
  write(dir / "notes.sql", "SELECT 1;\n");
  auto bad = gg::pg::migrate(c, dir.path());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == gg::errc::config);
  CHECK(bad.error().message.find("notes.sql") != std::string::npos);
  std::filesystem::remove(dir / "notes.sql");
  write(dir / "0010_duplicate.sql", "SELECT 1;\n");
  CHECK_FALSE(gg::pg::list_migrations(dir.path()).has_value());
}

TEST_CASE("concurrent migrators apply each migration exactly once", "[integration][pg]") {
  pg_database db;
  gg::test::temp_dir dir("gg-pg-mig");
  write(dir / "0001_a.sql", "CREATE TABLE a (x int); SELECT pg_sleep(0.05);\n");
  write(dir / "0002_b.sql", "CREATE TABLE b (x int); SELECT pg_sleep(0.05);\n");
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  std::atomic<int> applied{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto c = gg::pg::connection::open(db.conninfo());
      if (!c) {
        errors[static_cast<std::size_t>(i)] = c.error().message;
        return;
      }
      auto r = gg::pg::migrate(*c, dir.path());
      if (!r) {
        errors[static_cast<std::size_t>(i)] = r.error().message;
        return;
      }
      applied += static_cast<int>(r->applied.size());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) CHECK(e.empty());
  CHECK(applied == 2);
  auto c = db.connect();
  CHECK(scalar(c, "SELECT count(*) FROM pipeline.schema_migrations") == "2");
}

TEST_CASE("a migrated test database starts with the schema in place", "[integration][pg]") {
  pg_database db(pg_database::schema::migrated);
  auto c = db.connect();
  CHECK(scalar(c, "SELECT count(*) FROM raw_data.page_views") == "0");
  CHECK(must(gg::pg::migrate(c, gg::test::pg_migrations_dir())).applied.empty());
}

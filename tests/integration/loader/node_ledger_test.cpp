// The ledger keys of nodes sharing one warehouse (docs/formats/warehouse-tables.md): segment
// files with the same name on two nodes both load, and a row written before nodes were named
// still marks its segment as loaded.

#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include "pg_query.hpp"

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include "segment_files.hpp"

#include <chrono>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::loader::test::event_json;
using gg::loader::test::frame_line;
using gg::loader::test::segment_of;
using gg::loader::test::write_segment;
using gg::test::scalar;
using gg::test::text;

gg::loader::loader_options node_options(const std::string& conninfo, const fs::path& dir,
                                        std::string node) {
  gg::loader::loader_options o;
  o.data_dir = dir;
  o.conninfo = conninfo;
  o.node_id = std::move(node);
  o.threads = 1;
  o.connect_timeout = 2s;
  return o;
}

gg::loader::load_summary load(const gg::loader::loader_options& o) {
  auto s = gg::loader::load_once(o);
  if (!s) FAIL("load_once: " << s.error().message);
  return *s;
}

std::string hex16(std::string_view content) {
  std::string s(16, '0');
  gg::write_hex16(gg::checksum64(content), s.data());
  return s;
}

bool in_log(const fs::path& segment) { return fs::exists(segment); }

}  // namespace

TEST_CASE("two nodes' segment files of the same name both load into one warehouse",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir a("gg-loader-node-a");
  gg::test::temp_dir b("gg-loader-node-b");
  // Same queue, same sequence, same first-event time: the same file name on both machines.
  const auto on_a = write_segment(a.path(), "page_views", 1, segment_of("page_views", 0, 40));
  const std::string bad_line = "not json\n";
  const std::string b_content = segment_of("page_views", 100, 30) + bad_line;
  const auto on_b = write_segment(b.path(), "page_views", 1, b_content);
  REQUIRE(on_a.filename() == on_b.filename());
  const std::string name = on_a.filename().string();

  const auto sa = load(node_options(db.conninfo(), a.path(), "node-a"));
  const auto sb = load(node_options(db.conninfo(), b.path(), "node-b"));
  CHECK(sa.segments() == 1);
  CHECK(sb.segments() == 1);
  CHECK(sb.already_loaded == 0);
  CHECK(sb.quarantined == 0);
  CHECK(sb.rows() == 30);
  CHECK_FALSE(in_log(on_a));
  CHECK_FALSE(in_log(on_b));

  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 70);
  CHECK(text(conn,
             "SELECT string_agg(segment || '=' || rows, ',' ORDER BY segment) FROM "
             "pipeline.loaded_segments") ==
        "page_views/node-a/" + name + "=40,page_views/node-b/" + name + "=30");
  // A rejected line names the segment by its ledger key, so it is traced to its node.
  CHECK(text(conn, "SELECT segment FROM raw_data.rejected_events") == "page_views/node-b/" + name);

  // Each node's ledger row is its own: node-b's file found again (a crash between commit and
  // archive) is recognised under node-b's key, not loaded twice.
  write_segment(b.path(), "page_views", 1, b_content);
  const auto sb2 = load(node_options(db.conninfo(), b.path(), "node-b"));
  CHECK(sb2.segments() == 0);
  CHECK(sb2.already_loaded == 1);
  CHECK(sb2.quarantined == 0);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 70);
}

TEST_CASE("replaying rejects reads the queue from a node's ledger key", "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-node-replay");
  auto conn = db.connect();
  REQUIRE(conn.exec("INSERT INTO raw_data.rejected_events (segment, line_no, reason, raw) "
                    "VALUES ('user_events/node-b/20261126T151911000001Z-00000001.jsonl', 1, "
                    "'torn_line', $1)",
                    event_json("user_events", 5))
              .has_value());
  auto r = gg::loader::replay_rejects(node_options(db.conninfo(), dir.path(), "node-a"));
  REQUIRE(r.has_value());
  CHECK(r->loaded == 1);
  CHECK(r->loaded_per_queue.at("user_events") == 1);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.user_events") == 1);
}

TEST_CASE("a ledger row from before nodes were named still marks its segment loaded",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-node-legacy");
  auto conn = db.connect();
  // Committed by the previous version, which crashed before archiving the file.
  const std::string loaded = segment_of("user_events", 0, 20);
  const auto kept = write_segment(dir.path(), "user_events", 1, loaded);
  const std::string kept_name = kept.filename().string();
  REQUIRE(conn.exec("INSERT INTO pipeline.loaded_segments (segment, queue, rows, bytes, checksum) "
                    "VALUES ($1, 'user_events', 20, $2, $3)",
                    "user_events/" + kept_name, loaded.size(), hex16(loaded))
              .has_value());
  // Another machine's file of the same name, loaded by the previous version: not this one.
  const std::string mine = segment_of("ecommerce_events", 500, 10);
  const auto fresh = write_segment(dir.path(), "ecommerce_events", 1, mine);
  const std::string fresh_name = fresh.filename().string();
  const std::string theirs = segment_of("ecommerce_events", 900, 10);
  REQUIRE(conn.exec("INSERT INTO pipeline.loaded_segments (segment, queue, rows, bytes, checksum) "
                    "VALUES ($1, 'ecommerce_events', 10, $2, $3)",
                    "ecommerce_events/" + fresh_name, theirs.size(), hex16(theirs))
              .has_value());

  const auto s = load(node_options(db.conninfo(), dir.path(), "node-a"));
  CHECK(s.already_loaded == 1);
  CHECK(s.quarantined == 0);
  CHECK(s.segments() == 1);
  CHECK(s.rows() == 10);
  CHECK_FALSE(in_log(kept));
  CHECK_FALSE(in_log(fresh));
  CHECK(fs::exists(dir / "archive/user_events/2026-11-26" / kept_name));
  // Not loaded twice, and no second ledger row for it.
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.user_events") == 0);
  CHECK(scalar(conn,
               "SELECT count(*) FROM pipeline.loaded_segments WHERE queue = "
               "'user_events'") == 1);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.ecommerce_events") == 10);
  CHECK(text(conn,
             "SELECT rows FROM pipeline.loaded_segments WHERE segment = "
             "'ecommerce_events/node-a/" +
                 fresh_name + "'") == "10");
}

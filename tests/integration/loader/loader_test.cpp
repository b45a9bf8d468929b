#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include "metric_sample.hpp"
#include "pg_query.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include "segment_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <random>
#include <thread>

namespace {

using gg::test::eventually;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::loader::test::event_json;
using gg::loader::test::frame_line;
using gg::loader::test::segment_of;
using gg::loader::test::write_segment;

constexpr const char* queues[] = {"page_views", "user_events", "ecommerce_events",
                                  "analytics_events", "event_queue"};

using gg::test::scalar;
using gg::test::text;

gg::loader::loader_options options_for(const std::string& conninfo, const fs::path& dir) {
  gg::loader::loader_options o;
  o.data_dir = dir;
  o.conninfo = conninfo;
  o.threads = 2;
  o.poll_interval = 100ms;
  o.backoff_min = 100ms;
  o.backoff_max = 500ms;
  o.connect_timeout = 2s;
  return o;
}

gg::loader::load_summary load(const gg::loader::loader_options& o) {
  auto s = gg::loader::load_once(o);
  if (!s) FAIL("load_once: " << s.error().message);
  return *s;
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

std::int64_t raw_rows(gg::pg::connection& conn) {
  std::int64_t n = 0;
  for (const char* q : queues) n += scalar(conn, std::string("SELECT count(*) FROM raw_data.") + q);
  return n;
}

std::int64_t distinct_events(gg::pg::connection& conn) {
  std::string sql = "SELECT count(DISTINCT event_id) FROM (";
  for (std::size_t i = 0; i < std::size(queues); ++i) {
    if (i > 0) sql += " UNION ALL ";
    sql += std::string("SELECT event_id FROM raw_data.") + queues[i];
  }
  return scalar(conn, sql + ") e");
}

}  // namespace

TEST_CASE("segments of all five queues load into their raw tables and move to the archive",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  std::uint64_t n = 0;
  for (const char* q : queues) {
    for (int seq = 1; seq <= 2; ++seq) {
      write_segment(dir.path(), q, static_cast<std::uint64_t>(seq), segment_of(q, n, 50));
      n += 50;
    }
  }
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.segments() == 10);
  CHECK(s.rows() == 500);
  CHECK(s.rejected() == 0);
  CHECK(s.failed == 0);
  CHECK(s.queues.size() == 5);
  for (const auto& q : s.queues) CHECK(q.rows == 100);

  auto conn = db.connect();
  for (const char* q : queues) {
    CHECK(scalar(conn, std::string("SELECT count(*) FROM raw_data.") + q) == 100);
    CHECK(scalar(conn, std::string("SELECT count(*) FROM raw_data.") + q +
                           " WHERE queue_name <> '" + q + "'") == 0);
    CHECK(files_in(dir / ("archive/" + std::string(q) + "/2026-11-26")) == 2);
  }
  CHECK(files_in(dir / "log") == 0);
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") == 10);
  CHECK(scalar(conn, "SELECT sum(rows) FROM pipeline.loaded_segments") == 500);
  CHECK(scalar(conn,
               "SELECT count(*) FROM pipeline.loaded_segments WHERE checksum ~ "
               "'^[0-9a-f]{16}$' AND bytes > 0") == 10);

  // One page view, column by column.
  const std::string id = gg::loader::test::event_id(3);
  auto row = conn.exec(
      "SELECT type, event, \"timestamp\" IS NULL, server_timestamp = '2026-11-26 "
      "15:19:11.123456+00', session_id, user_id, client_ip, user_agent, url, path, "
      "properties IS NULL, queue_name, processed_timestamp = '2026-11-26 15:19:11.2+00', is_bot "
      "FROM raw_data.page_views WHERE event_id = $1",
      id);
  REQUIRE(row.has_value());
  REQUIRE(row->rows() == 1);
  CHECK(row->get(0, 0) == "page_view");
  CHECK(row->get(0, 1) == "page_view");
  CHECK(row->get(0, 2) == "t");
  CHECK(row->get(0, 3) == "t");
  CHECK(row->get(0, 4) == "s-3");
  CHECK(row->is_null(0, 5));
  CHECK(row->get(0, 6) == "127.0.0.1");
  CHECK(row->get(0, 7) == "test");
  CHECK(row->get(0, 8) == "http://localhost:8000/p/3");
  CHECK(row->get(0, 9) == "/p/3");
  CHECK(row->get(0, 10) == "t");
  CHECK(row->get(0, 11) == "page_views");
  CHECK(row->get(0, 12) == "t");
  CHECK(row->get(0, 13) == "f");
  // identify: traits became properties.
  CHECK(
      text(conn, "SELECT properties->>'name' FROM raw_data.user_events WHERE user_id = 'u-100'") ==
      "User 100");
  // The ingestion summary artifact.
  CHECK(scalar(conn,
               "SELECT count(*) FROM pipeline.artifacts WHERE key = 'ingestion-summary' "
               "AND kind = 'markdown' AND (data->>'rows')::int = 500 AND body LIKE "
               "'%Rows ingested per queue%'") == 1);
}

TEST_CASE("corrupt lines are kept in rejected_events with their reason and the rest is loaded",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  std::string flipped = frame_line(event_json("event_queue", 2));
  flipped[5] ^= 0x20;
  const std::string no_tail = event_json("event_queue", 3) + "\n";
  const std::string bad_json = frame_line(R"({"event_id":"x",,"y":1})");
  const std::string no_id =
      frame_line(R"({"type":"custom_event","server_timestamp":"2026-11-26T15:19:11Z"})");
  const std::string wrong_type = frame_line(event_json("event_queue", 7, R"("userId":42)"));
  const std::string bad_utf8 = frame_line("{\"type\":\"x\xff\xfe\"}");
  const std::string torn = frame_line(event_json("event_queue", 9)).substr(0, 60);
  const std::string content = frame_line(event_json("event_queue", 1)) + flipped + no_tail +
                              frame_line(event_json("event_queue", 4)) + bad_json + no_id +
                              wrong_type + bad_utf8 + torn;
  write_segment(dir.path(), "event_queue", 1, content);

  auto& rejects = gg::metrics::global().get_counter("gadgetgrove_loader_rejects_total",
                                                    "Lines rejected, by reason",
                                                    {{"reason", "checksum_mismatch"}});
  const auto before = rejects.value();
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.rows() == 2);
  CHECK(s.rejected() == 7);
  CHECK(s.rejects_by_reason.at("checksum_mismatch") == 1);
  CHECK(rejects.value() == before + 1);

  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.event_queue") == 2);
  auto r = conn.exec(
      "SELECT line_no, reason, raw, segment FROM raw_data.rejected_events ORDER BY line_no");
  REQUIRE(r.has_value());
  REQUIRE(r->rows() == 7);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"2", "checksum_mismatch"}, {"3", "missing_checksum"},  {"5", "invalid_json"},
      {"6", "missing_event_id"},  {"7", "wrong_type:userId"}, {"8", "invalid_json"},
      {"9", "torn_line"}};
  for (int i = 0; i < 7; ++i) {
    CHECK(r->get(i, 0) == want[static_cast<std::size_t>(i)].first);
    CHECK(r->get(i, 1) == want[static_cast<std::size_t>(i)].second);
    CHECK(r->get(i, 3) ==
          "event_queue/" + gg::default_node_id() + "/20261126T151911000001Z-00000001.jsonl");
  }
  CHECK(r->get(0, 2) == flipped.substr(0, flipped.size() - 1));
  CHECK(r->get(6, 2) == torn);
  // Invalid UTF-8 is stored with replacement characters.
  CHECK(std::string(r->get(5, 2)).find("x\xef\xbf\xbd\xef\xbf\xbd") != std::string::npos);
  CHECK(scalar(conn, "SELECT rejected FROM pipeline.loaded_segments") == 7);
  CHECK(scalar(conn, "SELECT rows FROM pipeline.loaded_segments") == 2);
}

TEST_CASE("an empty segment is recorded in the ledger and archived", "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  write_segment(dir.path(), "analytics_events", 1, "");
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.segments() == 1);
  CHECK(s.rows() == 0);
  auto conn = db.connect();
  CHECK(scalar(conn,
               "SELECT count(*) FROM pipeline.loaded_segments WHERE rows = 0 AND bytes = 0 "
               "AND checksum IS NOT NULL") == 1);
  CHECK(files_in(dir / "log") == 0);
  CHECK(files_in(dir / "archive/analytics_events") == 1);
}

TEST_CASE("a segment of about 100 MB loads completely", "[integration][loader][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const std::string padding(600, 'p');
  std::string content;
  std::uint64_t n = 0;
  while (content.size() < (100u << 20)) {
    content += frame_line(
        event_json("ecommerce_events", n++, R"("properties":{"pad":")" + padding + "\"}"));
  }
  write_segment(dir.path(), "ecommerce_events", 1, content);
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.rows() == n);
  CHECK(s.bytes() == content.size());
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.ecommerce_events") ==
        static_cast<std::int64_t>(n));
  CHECK(scalar(conn, "SELECT bytes FROM pipeline.loaded_segments") ==
        static_cast<std::int64_t>(content.size()));
}

TEST_CASE("unicode and escapes in properties and text fields round-trip exactly",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const std::string props =
      R"({"q":"caf\u00e9 \"quoted\" back\\slash \/ tab\t nl\n","emoji":"😀","pair":"\ud83d\ude00",)"
      R"("ключ":"значение","ls":"\u2028","ctl":"\u0001","num":1.50,"big":12345678901234567890123,)"
      R"("nested":{"arr":[true,false,null,"ü"]}})";
  write_segment(
      dir.path(), "event_queue", 1,
      frame_line(event_json("event_queue", 1,
                            R"("properties":)" + props + R"(,"userId":"Zoë \"Z\" \\ \u00fc\t")")));
  const auto s = load(options_for(db.conninfo(), dir.path()));
  REQUIRE(s.rows() == 1);
  auto conn = db.connect();
  auto same = conn.exec("SELECT properties = $1::jsonb FROM raw_data.event_queue", props);
  REQUIRE(same.has_value());
  CHECK(same->get(0, 0) == "t");
  CHECK(text(conn, "SELECT properties->>'q' FROM raw_data.event_queue") ==
        "café \"quoted\" back\\slash / tab\t nl\n");
  CHECK(text(conn, "SELECT properties->>'pair' FROM raw_data.event_queue") == "😀");
  CHECK(text(conn, "SELECT properties->>'ls' FROM raw_data.event_queue") == "\u2028");
  CHECK(text(conn, "SELECT properties->>'big' FROM raw_data.event_queue") ==
        "12345678901234567890123");
  CHECK(text(conn, "SELECT user_id FROM raw_data.event_queue") == "Zoë \"Z\" \\ ü\t");
}

TEST_CASE("a segment already in the ledger is only archived, never loaded twice",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const auto path = write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 20));
  const auto o = options_for(db.conninfo(), dir.path());
  REQUIRE(load(o).rows() == 20);
  // As after a crash between COMMIT and the rename: the file is back in log/.
  fs::copy_file(dir / "archive/page_views/2026-11-26" / path.filename(), path);
  const auto s = load(o);
  CHECK(s.rows() == 0);
  CHECK(s.already_loaded == 1);
  CHECK(s.failed == 0);
  CHECK_FALSE(fs::exists(path));
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 20);
}

TEST_CASE("a different file under a loaded segment's name is quarantined",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const auto o = options_for(db.conninfo(), dir.path());
  const auto path = write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 5));
  REQUIRE(load(o).rows() == 5);
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 100, 5));
  const auto s = load(o);
  CHECK(s.quarantined == 1);
  CHECK(s.rows() == 0);
  CHECK(fs::exists(dir / "quarantine/page_views" / path.filename()));
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 5);
}

TEST_CASE("duplicate event_ids are loaded once and the duplicates kept as rejects",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  write_segment(dir.path(), "ecommerce_events", 1, segment_of("ecommerce_events", 0, 100));
  write_segment(dir.path(), "ecommerce_events", 2, segment_of("ecommerce_events", 50, 100));
  // A retry inside one segment too.
  write_segment(dir.path(), "ecommerce_events", 3,
                segment_of("ecommerce_events", 200, 3) + segment_of("ecommerce_events", 201, 1));
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.rows() == 153);
  CHECK(s.rejected() == 51);
  CHECK(s.rejects_by_reason.at("duplicate_event_id") == 51);
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.ecommerce_events") == 153);
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.ecommerce_events") == 153);
  CHECK(scalar(conn,
               "SELECT count(*) FROM raw_data.rejected_events WHERE reason = "
               "'duplicate_event_id'") == 51);
  CHECK(scalar(conn, "SELECT sum(rows) FROM pipeline.loaded_segments") == 153);
}

TEST_CASE("duplicates within and across segments never force a row-by-row load",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto& guarded = gg::metrics::global().get_counter(
      "gadgetgrove_loader_guarded_segments_total",
      "Segments loaded again row by row under savepoints after PostgreSQL refused a row");
  const std::uint64_t guarded_before = guarded.value();
  // The loader says when it falls back to row-level guards; capture what it says.
  const fs::path log_path = dir / "loader.log";
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(log_fd >= 0);
  gg::log::set_output_fd(log_fd);
  const auto o = options_for(db.conninfo(), dir.path());
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 300));
  REQUIRE(load(o).rows() == 300);
  // Segment 2 repeats events 290..299 of segment 1 (a client's retry after a lost answer)
  // and holds its own event 400 three times.
  write_segment(dir.path(), "page_views", 2,
                segment_of("page_views", 290, 20) + segment_of("page_views", 400, 1) +
                    segment_of("page_views", 400, 1) + segment_of("page_views", 401, 1) +
                    segment_of("page_views", 400, 1));
  const auto s = load(o);
  gg::log::set_output_fd(2);
  ::close(log_fd);
  const std::string said = gg::test::read_file(log_path);
  CHECK(said.find("row-level guards") == std::string::npos);
  CHECK(said.find("row by row") == std::string::npos);
  CHECK(s.rows() == 12);
  CHECK(s.rejects_by_reason.at("duplicate_event_id") == 12);
  CHECK(guarded.value() == guarded_before);
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 312);
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.page_views") == 312);
  // The repeats are the rejects, once each, with their own line numbers.
  CHECK(scalar(conn,
               "SELECT count(*) FROM raw_data.rejected_events WHERE reason = "
               "'duplicate_event_id' AND segment LIKE 'page_views/%-00000002.jsonl'") == 12);
  CHECK(gg::test::text(conn,
                       "SELECT string_agg(line_no::text, ',' ORDER BY line_no) FROM "
                       "raw_data.rejected_events") == "1,2,3,4,5,6,7,8,9,10,22,24");
  CHECK(gg::test::text(
            conn,
            "SELECT rows || '/' || rejected FROM pipeline.loaded_segments WHERE segment LIKE "
            "'%-00000002.jsonl'") == "12/12");
}

namespace {

// The loader's chunk counters in the global registry, read before and after a load.
struct chunk_counts {
  std::uint64_t streamed = 0;
  std::uint64_t looked_up = 0;
  std::uint64_t retried = 0;
  std::uint64_t guarded = 0;

  static chunk_counts now() {
    const std::string text = gg::metrics::global().expose();
    const auto value = [&](std::string_view series) {
      return static_cast<std::uint64_t>(gg::test::metric_sample(text, series).value_or(0));
    };
    return chunk_counts{value(R"(gadgetgrove_loader_chunks_total{mode="streamed"})"),
                        value(R"(gadgetgrove_loader_chunks_total{mode="looked_up"})"),
                        value("gadgetgrove_loader_streamed_chunk_retries_total"),
                        value("gadgetgrove_loader_guarded_segments_total")};
  }
  chunk_counts operator-(const chunk_counts& o) const {
    return {streamed - o.streamed, looked_up - o.looked_up, retried - o.retried,
            guarded - o.guarded};
  }
};

// What the loader logs while `fn` runs.
template <typename Fn>
std::string logged_while(const fs::path& dir, Fn&& fn) {
  const fs::path log_path = dir / "loader.log";
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(log_fd >= 0);
  gg::log::set_output_fd(log_fd);
  fn();
  gg::log::set_output_fd(2);
  ::close(log_fd);
  return gg::test::read_file(log_path);
}

}  // namespace

TEST_CASE("a streamed chunk that meets an id loaded before is copied again after a lookup",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto o = options_for(db.conninfo(), dir.path());
  o.threads = 1;
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 100));
  const auto first = chunk_counts::now();
  REQUIRE(load(o).rows() == 100);
  // No duplicate seen yet: the rows went in one streamed chunk.
  CHECK((chunk_counts::now() - first).streamed == 1);
  CHECK((chunk_counts::now() - first).looked_up == 0);

  // 20,000 new events with event 50 again (a client's retry) as line 12,001: deep inside a
  // streamed chunk, after several of its slices went to the server.
  write_segment(dir.path(), "page_views", 2,
                segment_of("page_views", 1000, 12'000) + segment_of("page_views", 50, 1) +
                    segment_of("page_views", 13'000, 8'000));
  const auto before = chunk_counts::now();
  gg::loader::load_summary s;
  const std::string said = logged_while(dir.path(), [&] { s = load(o); });
  const auto d = chunk_counts::now() - before;
  CHECK(s.rows() == 20'000);
  CHECK(s.rejected() == 1);
  CHECK(s.rejects_by_reason.at("duplicate_event_id") == 1);
  CHECK(d.retried == 1);
  CHECK(d.streamed >= 1);   // the chunk before the one that met event 50
  CHECK(d.looked_up >= 2);  // that chunk again, and the chunks after it
  CHECK(d.guarded == 0);
  // The chunk went back alone: the segment was not loaded again from its start.
  CHECK(said.find("loaded meanwhile") == std::string::npos);
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 20'100);
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.page_views") == 20'100);
  CHECK(scalar(conn, "SELECT line_no FROM raw_data.rejected_events") == 12'001);
  CHECK(text(conn,
             "SELECT rows || '/' || rejected FROM pipeline.loaded_segments WHERE segment "
             "LIKE '%-00000002.jsonl'") == "20000/1");
}

TEST_CASE("a streamed chunk that waits on another load's uncommitted id loads once it commits",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto o = options_for(db.conninfo(), dir.path());
  o.threads = 1;
  // Another loader (another node's, or the CLI's) holds event 5,000 in its open transaction.
  auto other = db.connect();
  REQUIRE(other.exec("BEGIN").has_value());
  REQUIRE(other
              .exec("INSERT INTO raw_data.page_views (event_id, server_timestamp, queue_name) "
                    "VALUES ($1::uuid, now(), 'page_views')",
                    gg::loader::test::event_id(5'000))
              .has_value());
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 10'000));
  const auto before = chunk_counts::now();
  std::promise<gg::result<gg::loader::load_summary>> done;
  auto result = done.get_future();
  std::thread run([&] { done.set_value(gg::loader::load_once(o)); });
  auto conn = db.connect();
  // The streamed COPY reaches event 5,000 and waits for the other transaction.
  const bool waiting = eventually(
      [&] {
        return scalar(conn,
                      "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND query LIKE 'COPY raw_data.page_views%'") > 0;
      },
      30s);
  REQUIRE(other.exec("COMMIT").has_value());
  run.join();
  REQUIRE(waiting);
  auto s = result.get();
  REQUIRE(s.has_value());
  const auto d = chunk_counts::now() - before;
  CHECK(s->failed == 0);
  CHECK(s->rows() == 9'999);
  CHECK(s->rejects_by_reason.at("duplicate_event_id") == 1);
  CHECK(d.retried == 1);
  CHECK(d.guarded == 0);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 10'000);
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.page_views") == 10'000);
  CHECK(scalar(conn, "SELECT line_no FROM raw_data.rejected_events") == 5'001);
}

TEST_CASE("two workers load segments whose retries repeat the previous segment exactly once",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const auto o = options_for(db.conninfo(), dir.path());  // two workers
  // Eight page_views segments of 200 events, each also repeating 5 events of the one before
  // (a client's retries), and four ecommerce segments between them: after the first duplicate
  // the workers load one queue each instead of waiting on each other's open transactions.
  std::uint64_t seq = 0;
  for (int k = 0; k < 8; ++k) {
    std::string body = segment_of("page_views", k * 1000, 200);
    if (k > 0) body += segment_of("page_views", (k - 1) * 1000 + 100, 5);
    write_segment(dir.path(), "page_views", ++seq, body);
    if (k % 2 == 0)
      write_segment(dir.path(), "ecommerce_events", ++seq,
                    segment_of("ecommerce_events", 100'000 + k * 1000, 100));
  }
  const auto s = load(o);
  CHECK(s.failed == 0);
  CHECK(s.rows() == 8 * 200 + 4 * 100);
  CHECK(s.rejects_by_reason.at("duplicate_event_id") == 7 * 5);
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.page_views") == 1600);
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.page_views") == 1600);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.ecommerce_events") == 400);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.rejected_events") == 35);
}

TEST_CASE("a row PostgreSQL refuses becomes a database_error reject and the others load",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto conn = db.connect();
  REQUIRE(conn.exec_script("ALTER TABLE raw_data.event_queue ADD CONSTRAINT not_refused "
                           "CHECK (user_id IS DISTINCT FROM 'refuse-me')")
              .has_value());
  write_segment(dir.path(), "event_queue", 1,
                segment_of("event_queue", 0, 2) +
                    frame_line(event_json("event_queue", 2, R"("userId":"refuse-me")")) +
                    segment_of("event_queue", 3, 2));
  const auto s = load(options_for(db.conninfo(), dir.path()));
  CHECK(s.rows() == 4);
  CHECK(s.rejected() == 1);
  CHECK(s.rejects_by_reason.at("database_error:23514") == 1);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.event_queue") == 4);
  CHECK(scalar(conn, "SELECT line_no FROM raw_data.rejected_events") == 3);
}

TEST_CASE("every event is loaded exactly once although the loader is killed at random points",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  constexpr std::uint64_t per_segment = 1500;
  constexpr std::uint64_t segments = 24;
  for (std::uint64_t i = 0; i < segments; ++i) {
    const char* q = queues[i % 5];
    write_segment(dir.path(), q, i + 1, segment_of(q, i * per_segment, per_segment));
  }
  const auto o = options_for(db.conninfo(), dir.path());
  const std::uint32_t seed = gg::test::test_seed("loader_test");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937 rng(seed);
  int kills = 0;
  for (int round = 0; round < 10; ++round) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto s = gg::loader::load_once(o);
      ::_exit(s && s->failed == 0 ? 0 : 1);
    }
    // From before the first COMMIT to well into the run, so kills land everywhere: in a COPY,
    // around a COMMIT, between COMMIT and the archive rename.
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 600));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  auto before = db.connect();
  INFO("children killed: " << kills << ", segments committed by them: "
                           << scalar(before, "SELECT count(*) FROM pipeline.loaded_segments"));
  const auto s = load(o);
  CHECK(s.failed == 0);
  auto conn = db.connect();
  CHECK(raw_rows(conn) == static_cast<std::int64_t>(segments * per_segment));
  CHECK(distinct_events(conn) == static_cast<std::int64_t>(segments * per_segment));
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") ==
        static_cast<std::int64_t>(segments));
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.rejected_events") == 0);
  CHECK(files_in(dir / "log") == 0);
  CHECK(files_in(dir / "archive") == segments);
}

TEST_CASE("two loaders on one data directory load each segment once", "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  constexpr std::uint64_t per_segment = 300;
  constexpr std::uint64_t segments = 20;
  for (std::uint64_t i = 0; i < segments; ++i) {
    const char* q = queues[i % 5];
    write_segment(dir.path(), q, i + 1, segment_of(q, i * per_segment, per_segment));
  }
  // As `gadgetgrove load --once` next to a running service: separate pools, same ledger.
  const auto o = options_for(db.conninfo(), dir.path());
  gg::result<gg::loader::load_summary> first = gg::fail(gg::errc::internal, "not run");
  std::thread other([&] { first = gg::loader::load_once(o); });  // no Catch2 macros off-thread
  const auto b = load(o);
  other.join();
  REQUIRE(first.has_value());
  const auto& a = *first;
  CHECK(a.failed == 0);
  CHECK(b.failed == 0);
  CHECK(a.segments() + b.segments() == segments);
  CHECK(a.rejected() + b.rejected() == 0);
  auto conn = db.connect();
  CHECK(raw_rows(conn) == static_cast<std::int64_t>(segments * per_segment));
  CHECK(files_in(dir / "log") == 0);
  CHECK(files_in(dir / "archive") == segments);
}

TEST_CASE("the loader recovers when PostgreSQL stops and restarts mid-load",
          "[integration][loader]") {
  gg::test::temp_dir dir("gg-loader-it");
  gg::pg::cluster_options co;
  co.data_dir = dir / "pg";
  co.database = "loader";
  co.settings = {{"fsync", "off"}, {"full_page_writes", "off"}};
  co.smart_stop_timeout = 0ms;
  gg::pg::embedded_cluster cluster(co);
  REQUIRE(cluster.start().has_value());
  {
    auto c = gg::pg::connection::open(cluster.conninfo());
    REQUIRE(c.has_value());
    REQUIRE(gg::pg::migrate(*c, gg::test::pg_migrations_dir()).has_value());
  }
  const fs::path data = dir / "data";
  constexpr std::uint64_t per_segment = 2000;
  std::uint64_t seq = 0;
  auto write_wave = [&](int count) {
    for (int i = 0; i < count; ++i, ++seq) {
      const char* q = queues[seq % 5];
      write_segment(data, q, seq + 1, segment_of(q, seq * per_segment, per_segment));
    }
  };
  write_wave(6);
  gg::sched::scheduler sched(gg::sched::scheduler_options{1, 2});
  sched.run();
  gg::loader::loader stage(options_for(cluster.conninfo(), data),
                           {&sched.io(), sched.blocking_executor()});
  REQUIRE(stage.start().has_value());
  std::this_thread::sleep_for(100ms);
  REQUIRE(cluster.stop().has_value());  // mid-load: fast shutdown ends the loader's sessions
  write_wave(6);
  CHECK(eventually([&] { return stage.health().state == gg::health_state::degraded; }, 5s));
  INFO("health detail: " << stage.health().detail);
  CHECK_FALSE(stage.health().detail.empty());
  CHECK(files_in(data / "log") > 0);

  REQUIRE(cluster.start().has_value());
  CHECK(eventually([&] { return files_in(data / "log") == 0; }, 20s));
  CHECK(eventually([&] { return stage.health().state == gg::health_state::up; }, 5s));
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 10s).has_value());
  CHECK(stage.health().state == gg::health_state::stopped);

  auto conn = gg::pg::connection::open(cluster.conninfo());
  REQUIRE(conn.has_value());
  CHECK(raw_rows(*conn) == static_cast<std::int64_t>(seq * per_segment));
  CHECK(distinct_events(*conn) == static_cast<std::int64_t>(seq * per_segment));
  CHECK(scalar(*conn, "SELECT count(*) FROM pipeline.loaded_segments") ==
        static_cast<std::int64_t>(seq));
}

// The poll is an hour away, so only the rename that seals a segment can wake the loader.
TEST_CASE("a sealed segment is picked up by its rename, not by the poll, in continuous mode",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto o = options_for(db.conninfo(), dir.path());
  o.poll_interval = 1h;
  o.summary_interval = 1h;
  gg::sched::scheduler sched(gg::sched::scheduler_options{1, 2});
  sched.run();
  gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
  REQUIRE(stage.start().has_value());
  auto conn = db.connect();
  for (std::uint64_t i = 0; i < 3; ++i) {
    // Sealing as the event log does it: write *.jsonl.open, then rename.
    const auto path =
        write_segment(dir.path(), "page_views", i + 1, segment_of("page_views", i * 10, 10));
    const fs::path open = path.string() + ".open";
    fs::rename(path, open);
    std::this_thread::sleep_for(50ms);
    fs::rename(open, path);
    const bool loaded = eventually(
        [&] {
          return scalar(conn, "SELECT count(*) FROM raw_data.page_views") ==
                 static_cast<std::int64_t>((i + 1) * 10);
        },
        30s);
    REQUIRE(loaded);
  }
  CHECK(stage.health().state == gg::health_state::up);
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
  // Continuous mode sums its batches into one ingestion summary, written at the latest on drain.
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.artifacts WHERE key = 'ingestion-summary'") ==
        1);
  CHECK(scalar(conn, "SELECT (data->>'rows')::int FROM pipeline.artifacts") == 30);
}

TEST_CASE("cleanup deletes archived segments older than the retention and reports per queue",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  const auto o = options_for(db.conninfo(), dir.path());
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 5));
  write_segment(dir.path(), "page_views", 2, segment_of("page_views", 5, 5));
  write_segment(dir.path(), "user_events", 3, segment_of("user_events", 10, 5));
  REQUIRE(load(o).segments() == 3);

  gg::loader::loader l(o);
  auto keep = l.cleanup(0ms);
  REQUIRE(keep.has_value());
  CHECK(keep->files() == 0);
  CHECK(files_in(dir / "archive") == 3);

  // Age two of the three archived files past a one-hour retention.
  std::uint64_t aged_bytes = 0;
  int aged = 0;
  for (auto& e : fs::recursive_directory_iterator(dir / "archive")) {
    if (!e.is_regular_file() || e.path().filename().string().find("00000002") != std::string::npos)
      continue;
    const auto old = std::chrono::system_clock::now() - 2h;
    const struct timespec times[2] = {
        {0, UTIME_OMIT}, {static_cast<time_t>(std::chrono::system_clock::to_time_t(old)), 0}};
    REQUIRE(::utimensat(AT_FDCWD, e.path().c_str(), times, 0) == 0);
    aged_bytes += fs::file_size(e.path());
    ++aged;
  }
  REQUIRE(aged == 2);
  auto s = l.cleanup(1h);
  REQUIRE(s.has_value());
  CHECK(s->files() == 2);
  CHECK(s->bytes() == aged_bytes);
  std::map<std::string, std::uint64_t> files_by_queue;
  for (const auto& q : s->queues) {
    if (q.files > 0) files_by_queue[q.queue] += q.files;
  }
  CHECK(files_by_queue ==
        std::map<std::string, std::uint64_t>{{"page_views", 1}, {"user_events", 1}});
  CHECK(files_in(dir / "archive") == 1);
  auto conn = db.connect();
  CHECK(scalar(conn,
               "SELECT count(*) FROM pipeline.artifacts WHERE key = "
               "'archive-cleanup-report' AND title = 'Archive Cleanup Report'") == 2);
  CHECK(scalar(conn,
               "SELECT (data->>'files')::int FROM pipeline.artifacts WHERE key = "
               "'archive-cleanup-report' ORDER BY id DESC LIMIT 1") == 2);
}

TEST_CASE("replay loads rejected lines that pass now and marks them replayed",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-it");
  auto conn = db.connect();
  std::string framed = frame_line(event_json("user_events", 1));
  framed.pop_back();
  const std::string corrected = event_json("user_events", 2);
  std::string mismatch = frame_line(event_json("user_events", 3));
  mismatch[4] = 'X';
  mismatch.pop_back();
  const std::string broken = R"({"event_id":)";
  for (const auto& raw : {framed, corrected, mismatch, broken}) {
    REQUIRE(conn.exec("INSERT INTO raw_data.rejected_events (segment, line_no, reason, raw) "
                      "VALUES ('user_events/20261126T151911000001Z-00000001.jsonl', 1, "
                      "'torn_line', $1)",
                      raw)
                .has_value());
  }
  const auto o = options_for(db.conninfo(), dir.path());
  auto r = gg::loader::replay_rejects(o);
  REQUIRE(r.has_value());
  CHECK(r->examined == 4);
  CHECK(r->loaded == 2);
  CHECK(r->still_rejected == 2);
  CHECK(r->loaded_per_queue.at("user_events") == 2);
  CHECK(scalar(conn, "SELECT count(*) FROM raw_data.user_events") == 2);
  CHECK(scalar(conn,
               "SELECT count(*) FROM raw_data.rejected_events WHERE replayed_at IS NOT "
               "NULL") == 2);
  auto again = gg::loader::replay_rejects(o);
  REQUIRE(again.has_value());
  CHECK(again->examined == 2);
  CHECK(again->loaded == 0);
}

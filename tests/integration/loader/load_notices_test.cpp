// Load notices through a real PostgreSQL: a load that added rows tells every listener once it
// commits, and the load-notices stage hands the queues on, also after losing its connection.

#include <gadgetgrove/loader/load_notices.hpp>
#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include <eventually.hpp>
#include <metric_sample.hpp>
#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include "segment_files.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::loader::test::segment_of;
using gg::loader::test::write_segment;
using gg::test::eventually;

gg::loader::loader_options options(const std::string& conninfo, const fs::path& dir) {
  gg::loader::loader_options o;
  o.data_dir = dir;
  o.conninfo = conninfo;
  o.threads = 1;
  o.connect_timeout = 2s;
  return o;
}

std::vector<std::string> payloads(gg::pg::connection& listener, std::chrono::milliseconds wait) {
  std::vector<std::string> out;
  auto got = listener.wait_notifications(wait);
  REQUIRE(got.has_value());
  for (auto& n : *got) {
    CHECK(n.channel == gg::loader::load_notice_channel);
    out.push_back(n.payload);
  }
  return out;
}

// What on_loaded was handed, call by call.
struct recorder {
  std::mutex mutex;
  std::vector<std::set<std::string>> calls;

  auto hook() {
    return [this](const std::set<std::string>& q) {
      std::lock_guard lock(mutex);
      calls.push_back(q);
    };
  }
  std::set<std::string> all() {
    std::lock_guard lock(mutex);
    std::set<std::string> out;
    for (const auto& c : calls) out.insert(c.begin(), c.end());
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex);
    calls.clear();
  }
};

}  // namespace

TEST_CASE("a load that added rows notifies its queue and row count once it commits",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-load-notice");
  auto listener = db.connect();
  REQUIRE(listener.listen(gg::loader::load_notice_channel).has_value());

  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 40));
  write_segment(dir.path(), "user_events", 1, segment_of("user_events", 100, 7));
  auto s = gg::loader::load_once(options(db.conninfo(), dir.path()));
  REQUIRE(s.has_value());
  REQUIRE(s->rows() == 47);
  std::set<std::string> got;
  REQUIRE(eventually(
      [&] {
        for (auto& p : payloads(listener, 100ms)) got.insert(p);
        return got.size() >= 2;
      },
      5s));
  CHECK(got == std::set<std::string>{"page_views 40", "user_events 7"});

  // The same events again (a segment whose ids are all loaded) add no rows: no notice.
  write_segment(dir.path(), "page_views", 2, segment_of("page_views", 0, 40));
  auto again = gg::loader::load_once(options(db.conninfo(), dir.path()));
  REQUIRE(again.has_value());
  CHECK(again->rows() == 0);
  CHECK(payloads(listener, 300ms).empty());

  // A replayed reject is a load too.
  auto conn = db.connect();
  REQUIRE(conn.exec("INSERT INTO raw_data.rejected_events (segment, line_no, reason, raw) "
                    "VALUES ('user_events/x.jsonl', 1, 'torn_line', $1)",
                    gg::loader::test::event_json("user_events", 900))
              .has_value());
  auto replayed = gg::loader::replay_rejects(options(db.conninfo(), dir.path()));
  REQUIRE(replayed.has_value());
  REQUIRE(replayed->loaded == 1);
  std::vector<std::string> after;
  REQUIRE(eventually(
      [&] {
        for (auto& p : payloads(listener, 100ms)) after.push_back(p);
        return !after.empty();
      },
      5s));
  CHECK(after == std::vector<std::string>{"user_events 1"});
}

TEST_CASE("the load-notices stage hands on the queues of a burst of loads",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-load-notice-stage");
  gg::metrics::registry metrics;
  recorder seen;
  gg::loader::load_notice_options o;
  o.conninfo = [&] { return db.conninfo(); };
  o.on_loaded = seen.hook();
  o.metrics = &metrics;
  gg::loader::load_notice_stage stage(o);
  REQUIRE(stage.start().has_value());
  CHECK(stage.health().state == gg::health_state::up);

  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 10));
  write_segment(dir.path(), "ecommerce_events", 1, segment_of("ecommerce_events", 50, 5));
  REQUIRE(gg::loader::load_once(options(db.conninfo(), dir.path())).has_value());
  REQUIRE(eventually([&] { return seen.all().size() == 2; }, 5s));
  CHECK(seen.all() == std::set<std::string>{"ecommerce_events", "page_views"});
  const auto text = metrics.expose();
  CHECK(gg::test::metric_sample(
            text, R"(gadgetgrove_load_notices_received_total{queue="page_views"})") == 1);
  CHECK(gg::test::metric_sample(
            text, R"(gadgetgrove_load_notices_received_total{queue="ecommerce_events"})") == 1);

  // A notice from another version of the binary is ignored, not handed on.
  seen.clear();
  auto other = db.connect();
  REQUIRE(other.exec("SELECT pg_notify($1, $2)", gg::loader::load_notice_channel, "orders 3")
              .has_value());
  REQUIRE(other.exec("SELECT pg_notify($1, $2)", gg::loader::load_notice_channel, "user_events 2")
              .has_value());
  REQUIRE(eventually([&] { return !seen.all().empty(); }, 5s));
  CHECK(seen.all() == std::set<std::string>{"user_events"});

  stage.request_stop();
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
  CHECK(stage.health().state == gg::health_state::stopped);
}

TEST_CASE("the load-notices stage reconnects after losing its connection and reports every queue",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::metrics::registry metrics;
  recorder seen;
  gg::loader::load_notice_options o;
  o.conninfo = [&] { return db.conninfo(); };
  o.on_loaded = seen.hook();
  o.metrics = &metrics;
  o.retry_min = 50ms;
  gg::loader::load_notice_stage stage(o);
  REQUIRE(stage.start().has_value());

  auto admin = db.connect();
  REQUIRE(admin
              .exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
              .has_value());
  // Loads committed while it was away may have gone unheard: every queue is reported.
  REQUIRE(eventually([&] { return seen.all().size() == 5; }, 10s));
  CHECK(seen.all() == std::set<std::string>{"analytics_events", "ecommerce_events", "event_queue",
                                            "page_views", "user_events"});
  CHECK(gg::test::metric_sample(metrics.expose(), "gadgetgrove_load_notices_reconnects_total") ==
        1);
  CHECK(stage.health().state == gg::health_state::up);

  // And it listens again.
  seen.clear();
  REQUIRE(admin.exec("SELECT pg_notify($1, $2)", gg::loader::load_notice_channel, "page_views 1")
              .has_value());
  REQUIRE(eventually([&] { return !seen.all().empty(); }, 5s));
  CHECK(seen.all() == std::set<std::string>{"page_views"});
  stage.request_stop();
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
}

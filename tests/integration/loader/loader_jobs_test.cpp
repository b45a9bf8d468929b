// The loader as a citizen of the shared scheduler: continuous mode on the io_context and the
// blocking pool, the hooks the flows use, stop tokens and the drain deadline.
#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include "pg_query.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <pg_fixture.hpp>
#include <temp_dir.hpp>

#include "segment_files.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace {

using gg::test::eventually;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::loader::test::segment_of;
using gg::loader::test::write_segment;
using gg::test::scalar;

gg::loader::loader_options options_for(const std::string& conninfo, const fs::path& dir) {
  gg::loader::loader_options o;
  o.data_dir = dir;
  o.conninfo = conninfo;
  o.threads = 2;
  o.poll_interval = 100ms;
  o.backoff_min = 100ms;
  o.backoff_max = 500ms;
  o.connect_timeout = 2s;
  o.summary_interval = std::chrono::hours{1};
  return o;
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

// Seals a segment as the event log does: written as *.jsonl.open, then renamed.
fs::path seal_segment(const fs::path& data_dir, std::string_view queue, std::uint64_t seq,
                      std::string_view content) {
  const auto path = write_segment(data_dir, queue, seq, content);
  const fs::path open = path.string() + ".open";
  fs::rename(path, open);
  fs::rename(open, path);
  return path;
}

std::int64_t page_views(gg::pg::connection& conn) {
  return scalar(conn, "SELECT count(*) FROM raw_data.page_views");
}

std::size_t process_threads() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// True once a COPY into raw_data.<queue> is running on the server.
bool copy_in_flight(gg::pg::connection& conn) {
  return scalar(conn,
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query LIKE 'COPY raw_data.page_views%'") > 0;
}

gg::sched::scheduler_options small_scheduler() {
  gg::sched::scheduler_options o;
  o.io_threads = 1;
  o.blocking_threads = 2;
  return o;
}

/// The rows a summary counts per queue, queues without rows left out.
std::map<std::string, std::uint64_t> rows_by_queue(const gg::loader::load_summary& s) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& q : s.queues) {
    if (q.rows > 0) out[q.queue] += q.rows;
  }
  return out;
}

}  // namespace

TEST_CASE("continuous mode loads a sealed segment promptly through inotify",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  auto o = options_for(db.conninfo(), dir.path());
  o.poll_interval = std::chrono::hours{1};  // only inotify can find the segment
  gg::sched::scheduler sched(small_scheduler());
  sched.run();
  gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
  REQUIRE(stage.start().has_value());
  REQUIRE(eventually([&] { return stage.health().state == gg::health_state::up; }, 5s));
  auto conn = db.connect();
  seal_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 25));
  // Any pickup before the hour-long poll is inotify's; the wait is long for sanitizer builds.
  CHECK(eventually([&] { return page_views(conn) == 25; }, 30s));
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
}

TEST_CASE("continuous mode finds a segment by polling when inotify misses it",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  auto o = options_for(db.conninfo(), dir.path());
  o.poll_interval = 200ms;
  gg::sched::scheduler sched(small_scheduler());
  sched.run();
  gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
  REQUIRE(stage.start().has_value());
  REQUIRE(eventually([&] { return stage.health().state == gg::health_state::up; }, 5s));
  // A directory replaced under the loader loses its inotify watch: no event will come.
  const fs::path queue_dir = dir / "log" / "page_views";
  fs::remove_all(queue_dir);
  fs::create_directories(queue_dir);
  seal_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 12));
  auto conn = db.connect();
  CHECK(eventually([&] { return page_views(conn) == 12; }, 5s));
  // The segment leaves the queue after its rows are committed, not with them.
  CHECK(eventually([&] { return files_in(queue_dir) == 0; }, 5s));
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
}

TEST_CASE("on_loaded is called with the row counts of every run that committed rows",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  seal_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 10));
  seal_segment(dir.path(), "user_events", 2, segment_of("user_events", 100, 7));
  gg::sched::scheduler sched(small_scheduler());
  sched.run();
  gg::loader::loader stage(options_for(db.conninfo(), dir.path()),
                           {&sched.io(), sched.blocking_executor()});
  std::mutex mutex;
  std::vector<gg::loader::load_summary> seen;
  std::vector<std::thread::id> threads;
  stage.on_loaded([&](const gg::loader::load_summary& s) {
    std::lock_guard lock(mutex);
    seen.push_back(s);
    threads.push_back(std::this_thread::get_id());
  });
  REQUIRE(stage.start().has_value());
  const auto calls = [&] {
    std::lock_guard lock(mutex);
    return seen.size();
  };
  REQUIRE(eventually([&] { return calls() == 1; }, 5s));
  {
    std::lock_guard lock(mutex);
    const auto& s = seen.front();
    CHECK(s.rows() == 17);
    CHECK(s.segments() == 2);
    CHECK(rows_by_queue(s) ==
          std::map<std::string, std::uint64_t>{{"page_views", 10}, {"user_events", 7}});
    CHECK(threads.front() != std::this_thread::get_id());
  }
  // A segment without rows commits nothing worth reporting.
  seal_segment(dir.path(), "event_queue", 3, "");
  REQUIRE(eventually([&] { return files_in(dir / "log") == 0; }, 5s));
  seal_segment(dir.path(), "page_views", 4, segment_of("page_views", 200, 3));
  REQUIRE(eventually([&] { return calls() == 2; }, 5s));
  std::this_thread::sleep_for(300ms);  // room for a call that must not come
  std::lock_guard lock(mutex);
  CHECK(seen.size() == 2);
  CHECK(seen.back().rows() == 3);
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
}

TEST_CASE("take_interval_summary sums the runs since the last call and starts a new interval",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  auto o = options_for(db.conninfo(), dir.path());
  o.write_artifacts = false;
  gg::loader::loader l(o);
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 5));
  REQUIRE(l.load_once().has_value());
  write_segment(dir.path(), "ecommerce_events", 2, segment_of("ecommerce_events", 10, 8));
  write_segment(dir.path(), "page_views", 3, segment_of("page_views", 20, 4));
  REQUIRE(l.load_once().has_value());
  const auto first = l.take_interval_summary();
  CHECK(first.rows() == 17);
  CHECK(first.segments() == 3);
  CHECK(rows_by_queue(first) ==
        std::map<std::string, std::uint64_t>{{"ecommerce_events", 8}, {"page_views", 9}});
  const auto second = l.take_interval_summary();
  CHECK(second.rows() == 0);
  CHECK(second.segments() == 0);
  CHECK(second.run_id != first.run_id);
  auto conn = db.connect();
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.artifacts") == 0);
}

TEST_CASE("without interval artifacts continuous mode leaves the summary to the caller",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  auto o = options_for(db.conninfo(), dir.path());
  o.interval_artifacts = false;
  o.summary_interval = 50ms;
  seal_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, 6));
  gg::sched::scheduler sched(small_scheduler());
  sched.run();
  gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
  REQUIRE(stage.start().has_value());
  auto conn = db.connect();
  REQUIRE(eventually([&] { return page_views(conn) == 6; }, 5s));
  std::this_thread::sleep_for(300ms);  // several summary intervals and polls
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.artifacts") == 0);
  CHECK(stage.take_interval_summary().rows() == 6);
}

TEST_CASE("a stop token cancels a load run and the segment loads later exactly once",
          "[integration][loader][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  constexpr std::uint64_t events = 400'000;
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, events));
  auto o = options_for(db.conninfo(), dir.path());
  auto conn = db.connect();
  {
    gg::loader::loader l(o);
    std::stop_source stop;
    std::promise<gg::result<gg::loader::load_summary>> done;
    auto result = done.get_future();
    std::thread run([&] { done.set_value(l.load_once(stop.get_token())); });
    const bool copying = eventually([&] { return copy_in_flight(conn); }, 30s);
    stop.request_stop();
    run.join();
    REQUIRE(copying);
    auto s = result.get();
    REQUIRE(s.has_value());
    CHECK(s->cancelled);
    CHECK(s->failed == 1);
    CHECK(s->rows() == 0);
    CHECK(page_views(conn) == 0);
    CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") == 0);
    CHECK(files_in(dir / "log") == 1);

    // A token stopped before the run begins: nothing is attempted.
    auto refused = l.load_once(stop.get_token());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == gg::errc::cancelled);
  }
  auto again = gg::loader::load_once(o);
  REQUIRE(again.has_value());
  CHECK(again->rows() == events);
  CHECK(page_views(conn) == static_cast<std::int64_t>(events));
  CHECK(scalar(conn, "SELECT count(DISTINCT event_id) FROM raw_data.page_views") ==
        static_cast<std::int64_t>(events));
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") == 1);
  CHECK(files_in(dir / "log") == 0);
}

TEST_CASE("a drain whose deadline passes mid-COPY returns at once and the segment loads later",
          "[integration][loader][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  constexpr std::uint64_t events = 400'000;
  write_segment(dir.path(), "page_views", 1, segment_of("page_views", 0, events));
  auto o = options_for(db.conninfo(), dir.path());
  auto conn = db.connect();
  {
    gg::sched::scheduler sched(small_scheduler());
    sched.run();
    gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
    REQUIRE(stage.start().has_value());
    REQUIRE(eventually([&] { return copy_in_flight(conn); }, 30s));
    const auto until = std::chrono::steady_clock::now() + 100ms;
    auto st = stage.drain(until);
    const auto late = std::chrono::steady_clock::now() - until;
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().code == gg::errc::timeout);
    // Returning is bounded by the deadline, not by the COPY (seconds more of it).
    CHECK(late < 500ms);
    CHECK(stage.health().state == gg::health_state::stopped);
  }  // the destructor waits for the cancelled run
  CHECK(page_views(conn) == 0);
  CHECK(files_in(dir / "log") == 1);
  auto again = gg::loader::load_once(o);
  REQUIRE(again.has_value());
  CHECK(again->rows() == events);
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") == 1);
}

TEST_CASE("a one-thread blocking pool loads 8 segments with 4 workers without deadlock",
          "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  const char* queues[] = {"page_views", "user_events", "ecommerce_events", "analytics_events",
                          "event_queue"};
  std::uint64_t seq = 0;
  const auto write_eight = [&] {
    for (int i = 0; i < 8; ++i, ++seq) {
      const char* q = queues[seq % 5];
      write_segment(dir.path(), q, seq + 1, segment_of(q, seq * 50, 50));
    }
  };
  boost::asio::thread_pool pool(1);
  auto o = options_for(db.conninfo(), dir.path());
  o.threads = 4;
  o.write_artifacts = false;
  gg::loader::loader l(o, {nullptr, pool.get_executor()});
  auto conn = db.connect();

  SECTION("the pool's only thread is busy: the calling thread loads them all") {
    std::promise<void> unblock;
    boost::asio::post(pool, [f = unblock.get_future().share()] { f.wait(); });
    write_eight();
    auto s = l.load_once();
    unblock.set_value();
    REQUIRE(s.has_value());
    CHECK(s->segments() == 8);
    CHECK(s->failed == 0);
  }
  SECTION("the run itself occupies the pool's only thread") {
    write_eight();
    std::promise<gg::result<gg::loader::load_summary>> done;
    auto result = done.get_future();
    boost::asio::post(pool, [&] { done.set_value(l.load_once()); });
    REQUIRE(result.wait_for(60s) == std::future_status::ready);
    auto s = result.get();
    REQUIRE(s.has_value());
    CHECK(s->segments() == 8);
  }
  SECTION("runs start no threads of their own") {
    write_eight();
    REQUIRE(l.load_once().has_value());
    const std::size_t before = process_threads();
    for (int run = 0; run < 3; ++run) {
      write_eight();
      auto s = l.load_once();
      REQUIRE(s.has_value());
      CHECK(s->segments() == 8);
    }
    CHECK(process_threads() == before);
  }
  CHECK(scalar(conn, "SELECT count(*) FROM pipeline.loaded_segments") ==
        static_cast<std::int64_t>(seq));
  CHECK(files_in(dir / "log") == 0);
}

TEST_CASE("start without the scheduler's executors is refused", "[integration][loader]") {
  gg::test::temp_dir dir("gg-loader-jobs");
  gg::loader::loader l(options_for("dbname=unused", dir.path()));
  auto st = l.start();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == gg::errc::invalid_input);
}

TEST_CASE("a backlog is loaded by consecutive capped micro-batches", "[integration][loader]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-loader-jobs");
  for (std::uint64_t i = 0; i < 7; ++i) {
    seal_segment(dir.path(), "page_views", i + 1, segment_of("page_views", i * 10, 10));
  }
  auto o = options_for(db.conninfo(), dir.path());
  o.batch_segments = 2;
  o.poll_interval = std::chrono::hours{1};  // the follow-ups come from the cap, not the poll
  gg::sched::scheduler sched(small_scheduler());
  sched.run();
  gg::loader::loader stage(o, {&sched.io(), sched.blocking_executor()});
  std::mutex mutex;
  std::vector<std::uint64_t> segments_per_batch;
  stage.on_loaded([&](const gg::loader::load_summary& s) {
    std::lock_guard lock(mutex);
    segments_per_batch.push_back(s.segments());
  });
  REQUIRE(stage.start().has_value());
  auto conn = db.connect();
  REQUIRE(eventually([&] { return page_views(conn) == 70; }, 10s));
  REQUIRE(stage.drain(std::chrono::steady_clock::now() + 5s).has_value());
  std::lock_guard lock(mutex);
  CHECK(segments_per_batch == std::vector<std::uint64_t>{2, 2, 2, 1});
}

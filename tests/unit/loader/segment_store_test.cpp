#include <gadgetgrove/loader/segment_store.hpp>

#include <catch2/catch.hpp>

#include <temp_dir.hpp>

#include <gadgetgrove/eventlog/posix_file_system.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <cerrno>
#include <fstream>
#include <mutex>
#include <vector>

namespace {

namespace fs = std::filesystem;
using gg::loader::segment_store;

void write(const fs::path& p, std::size_t size) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << std::string(size, 'x');
}

void set_mtime(const fs::path& p, gg::sys_us t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  const struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(secs), 0}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

// The real file system, recording the durable steps and failing directory fsyncs on demand.
class recording_file_system final : public gg::eventlog::file_system {
 public:
  gg::result<std::unique_ptr<gg::eventlog::writable_file>> open_append(
      const std::string& path) override {
    return real_.open_append(path);
  }
  gg::result<std::string> read_file(const std::string& path) override {
    return real_.read_file(path);
  }
  gg::result<std::vector<std::string>> list_dir(const std::string& dir) override {
    return real_.list_dir(dir);
  }
  gg::status create_dirs(const std::string& dir) override {
    record("mkdir " + dir);
    return real_.create_dirs(dir);
  }
  gg::status sync_dir(const std::string& dir) override {
    record("fsync " + dir);
    if (failing_syncs > 0) {
      --failing_syncs;
      return gg::from_errno("fsync " + dir, EIO);
    }
    return real_.sync_dir(dir);
  }
  gg::status rename(const std::string& from, const std::string& to) override {
    record("rename " + to);
    return real_.rename(from, to);
  }
  gg::status truncate(const std::string& path, std::uint64_t size) override {
    return real_.truncate(path, size);
  }
  gg::status unlink(const std::string& path) override { return real_.unlink(path); }
  gg::result<std::uint64_t> available_bytes(const std::string& dir) override {
    return real_.available_bytes(dir);
  }

  std::vector<std::string> calls;
  int failing_syncs = 0;

 private:
  void record(std::string call) {
    std::lock_guard lock(mu_);
    calls.push_back(std::move(call));
  }
  std::mutex mu_;
  gg::eventlog::posix_file_system real_;
};

}  // namespace

TEST_CASE("segment names give their first-event time", "[unit][loader]") {
  CHECK(gg::loader::segment_time("20261126T151911123456Z-00000001.jsonl") ==
        gg::parse_iso8601("2026-11-26T15:19:11.123456Z"));
  CHECK(gg::loader::segment_time("20240229T000000000000Z-00000001.jsonl"));
  CHECK_FALSE(gg::loader::segment_time("20230229T000000000000Z-00000001.jsonl"));
  CHECK_FALSE(gg::loader::segment_time("segment-1.jsonl"));
  CHECK_FALSE(gg::loader::segment_time("20261126X151911123456Z-1.jsonl"));
}

TEST_CASE("pending lists sealed segments of every queue in name order", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"page_views", "user_events"});
  REQUIRE(store.prepare().has_value());
  write(dir / "log/page_views/20261126T151911000002Z-00000002.jsonl", 10);
  write(dir / "log/page_views/20261126T151911000001Z-00000001.jsonl", 11);
  write(dir / "log/page_views/20261126T151911000003Z-00000003.jsonl.open", 12);
  write(dir / "log/user_events/20261126T151911000000Z-00000001.jsonl", 13);
  write(dir / "log/other_queue/20261126T151911000000Z-00000001.jsonl", 14);
  write(dir / "log/user_events/notes.txt", 1);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 3);
  CHECK((*pending)[0].key() == "user_events/20261126T151911000000Z-00000001.jsonl");
  CHECK((*pending)[0].bytes == 13);
  CHECK((*pending)[1].key() == "page_views/20261126T151911000001Z-00000001.jsonl");
  CHECK((*pending)[2].key() == "page_views/20261126T151911000002Z-00000002.jsonl");
  CHECK((*pending)[2].first_event == gg::parse_iso8601("2026-11-26T15:19:11.000002Z"));
}

TEST_CASE("a node's store keys its segments <queue>/<node>/<name>, the legacy key without it",
          "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"page_views"}, gg::eventlog::posix_file_system::shared(),
                      "node-a");
  REQUIRE(store.prepare().has_value());
  write(dir / "log/page_views/20261126T151911000001Z-00000001.jsonl", 11);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 1);
  const auto& s = (*pending)[0];
  CHECK(s.node == "node-a");
  CHECK(s.key() == "page_views/node-a/20261126T151911000001Z-00000001.jsonl");
  CHECK(s.legacy_key() == "page_views/20261126T151911000001Z-00000001.jsonl");
  // Without a node (a broker stream's batch) both are the same.
  gg::loader::segment_ref batch;
  batch.queue = "page_views";
  batch.name = "stream-00000000000000000000-00000000000000000009.jsonl";
  CHECK(batch.key() == batch.legacy_key());
  CHECK(batch.key() == "page_views/" + batch.name);
}

TEST_CASE("a missing log directory has no pending segments", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"page_views"});
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  CHECK(pending->empty());
}

TEST_CASE("archive moves a segment into the date folder of its first event", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"page_views"});
  REQUIRE(store.prepare().has_value());
  write(dir / "log/page_views/20261126T235959000000Z-00000001.jsonl", 5);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 1);
  const gg::sys_us now = gg::now_us();
  REQUIRE(store.archive(pending->front(), now).has_value());
  const fs::path archived =
      dir / "archive/page_views/2026-11-26/20261126T235959000000Z-00000001.jsonl";
  CHECK(fs::exists(archived));
  CHECK_FALSE(fs::exists(pending->front().path));
  struct stat st {};
  REQUIRE(::stat(archived.c_str(), &st) == 0);
  CHECK(std::abs(st.st_mtim.tv_sec -
                 std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count()) <= 1);
  // A second archive of the same (now moved) segment is a no-op.
  CHECK(store.archive(pending->front(), now).has_value());
}

TEST_CASE("quarantine moves a segment aside", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"event_queue"});
  REQUIRE(store.prepare().has_value());
  write(dir / "log/event_queue/20261126T000000000000Z-00000001.jsonl", 5);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(store.quarantine(pending->front()).has_value());
  CHECK(fs::exists(dir / "quarantine/event_queue/20261126T000000000000Z-00000001.jsonl"));
  CHECK(store.pending()->empty());
}

TEST_CASE("archive and quarantine directories are created 0700", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  const ::mode_t old = ::umask(022);
  segment_store store(dir.path(), {"page_views"});
  REQUIRE(store.prepare().has_value());
  write(dir / "log/page_views/20261126T235959000000Z-00000001.jsonl", 5);
  write(dir / "log/page_views/20261127T000000000000Z-00000002.jsonl", 5);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 2);
  REQUIRE(store.archive(pending->front(), gg::now_us()).has_value());
  REQUIRE(store.quarantine(pending->back()).has_value());
  ::umask(old);
  for (const fs::path& d :
       {dir / "archive", dir / "archive/page_views", dir / "archive/page_views/2026-11-26",
        dir / "quarantine", dir / "quarantine/page_views"}) {
    INFO(d);
    struct stat st {};
    REQUIRE(::stat(d.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
  }
}

TEST_CASE("cleanup deletes archived segments older than the retention", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  segment_store store(dir.path(), {"page_views", "user_events"});
  REQUIRE(store.prepare().has_value());
  const gg::sys_us now = gg::now_us();
  const fs::path old_a = dir / "archive/page_views/2026-11-25/a.jsonl";
  const fs::path old_b = dir / "archive/page_views/2026-11-26/b.jsonl";
  const fs::path young = dir / "archive/page_views/2026-11-26/c.jsonl";
  const fs::path old_user = dir / "archive/user_events/2026-11-25/d.jsonl";
  write(old_a, 100);
  write(old_b, 200);
  write(young, 300);
  write(old_user, 400);
  set_mtime(old_a, now - std::chrono::hours(3));
  set_mtime(old_b, now - std::chrono::hours(2));
  set_mtime(young, now - std::chrono::minutes(10));
  set_mtime(old_user, now - std::chrono::hours(2));

  SECTION("a zero retention keeps everything") {
    auto report = store.cleanup(std::chrono::milliseconds{0}, now);
    REQUIRE(report.has_value());
    for (const auto& q : *report) CHECK(q.files == 0);
    CHECK(fs::exists(old_a));
  }
  SECTION("one hour") {
    auto report = store.cleanup(std::chrono::hours(1), now);
    REQUIRE(report.has_value());
    REQUIRE(report->size() == 2);
    CHECK((*report)[0].queue == "page_views");
    CHECK((*report)[0].files == 2);
    CHECK((*report)[0].bytes == 300);
    CHECK((*report)[1].queue == "user_events");
    CHECK((*report)[1].files == 1);
    CHECK((*report)[1].bytes == 400);
    CHECK_FALSE(fs::exists(old_a));
    CHECK_FALSE(fs::exists(old_b));
    CHECK(fs::exists(young));
    CHECK_FALSE(fs::exists(old_a.parent_path()));  // emptied date folder removed
    CHECK(fs::exists(young.parent_path()));
  }
}

TEST_CASE("archive makes a new date folder and the move durable through the file system",
          "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  auto fs_double = std::make_shared<recording_file_system>();
  segment_store store(dir.path(), {"page_views"}, fs_double);
  REQUIRE(store.prepare().has_value());
  write(dir / "log/page_views/20261126T235959000000Z-00000001.jsonl", 5);
  write(dir / "log/page_views/20261126T235959000001Z-00000002.jsonl", 5);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 2);

  fs_double->calls.clear();
  REQUIRE(store.archive(pending->front(), gg::now_us()).has_value());
  const std::string day = (dir / "archive/page_views/2026-11-26").string();
  const std::vector<std::string> first = {
      "mkdir " + day,
      "fsync " + (dir / "archive/page_views").string(),
      "fsync " + (dir / "archive").string(),
      "fsync " + dir.path().string(),
      "rename " + day + "/20261126T235959000000Z-00000001.jsonl",
      "fsync " + day,
      "fsync " + (dir / "log/page_views").string()};
  CHECK(fs_double->calls == first);

  // The folder exists now: the second move costs no mkdir and no fsync above it.
  fs_double->calls.clear();
  REQUIRE(store.archive(pending->back(), gg::now_us()).has_value());
  const std::vector<std::string> second = {
      "rename " + day + "/20261126T235959000001Z-00000002.jsonl", "fsync " + day,
      "fsync " + (dir / "log/page_views").string()};
  CHECK(fs_double->calls == second);
}

TEST_CASE("a failed directory fsync fails the move instead of being ignored", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-store");
  auto fs_double = std::make_shared<recording_file_system>();
  segment_store store(dir.path(), {"event_queue"}, fs_double);
  REQUIRE(store.prepare().has_value());
  write(dir / "log/event_queue/20261126T000000000000Z-00000001.jsonl", 5);
  auto pending = store.pending();
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 1);
  fs_double->failing_syncs = 1;
  auto moved = store.quarantine(pending->front());
  REQUIRE_FALSE(moved.has_value());
  CHECK(moved.error().code == gg::errc::io);
  CHECK(moved.error().message.find("fsync") != std::string::npos);
}

#include <gadgetgrove/eventlog/posix_file_system.hpp>

#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>

using namespace gg::eventlog;
using namespace std::chrono_literals;

namespace {

gg::result<std::size_t> write(writable_file& f, const std::string& s) {
  const ::iovec v[2] = {{const_cast<char*>(s.data()), s.size() / 2},
                        {const_cast<char*>(s.data()) + s.size() / 2, s.size() - s.size() / 2}};
  return f.writev(std::span<const ::iovec>(v, 2));
}

}  // namespace

TEST_CASE("the POSIX file system appends, syncs, truncates, renames and lists real files",
          "[integration][eventlog]") {
  gg::test::temp_dir tmp("gg-eventlog");
  posix_file_system fs;
  const std::string dir = (tmp.path() / "a" / "b").string();
  REQUIRE(fs.create_dirs(dir).has_value());
  REQUIRE(fs.create_dirs(dir).has_value());  // mkdir -p is idempotent
  const std::string path = join_path(dir, "x.jsonl.open");
  auto f = fs.open_append(path);
  REQUIRE(f.has_value());
  auto n = write(**f, "hello world\n");
  REQUIRE(n.has_value());
  CHECK(*n == 12);
  REQUIRE((*f)->sync().has_value());
  CHECK(*(*f)->size() == 12);
  REQUIRE((*f)->truncate(6).has_value());
  REQUIRE(write(**f, "there\n").has_value());
  REQUIRE((*f)->close().has_value());
  CHECK(*fs.read_file(path) == "hello there\n");

  REQUIRE(fs.rename(path, join_path(dir, "x.jsonl")).has_value());
  REQUIRE(fs.sync_dir(dir).has_value());
  std::filesystem::create_directory(std::filesystem::path(dir) / "subdir");
  auto names = fs.list_dir(dir);
  REQUIRE(names.has_value());
  CHECK(*names == std::vector<std::string>{"x.jsonl"});  // regular files only
  REQUIRE(fs.truncate(join_path(dir, "x.jsonl"), 5).has_value());
  CHECK(*fs.read_file(join_path(dir, "x.jsonl")) == "hello");
  REQUIRE(fs.unlink(join_path(dir, "x.jsonl")).has_value());
  CHECK(fs.list_dir(dir)->empty());
  CHECK(*fs.available_bytes(dir) > 0);

  auto missing = fs.read_file(join_path(dir, "nope"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == gg::errc::not_found);
  CHECK(missing.error().message.find("nope") != std::string::npos);
}

TEST_CASE("the POSIX file system creates files 0600 and directories 0700 whatever the umask",
          "[integration][eventlog]") {
  gg::test::temp_dir tmp("gg-eventlog-modes");
  const ::mode_t old = ::umask(022);
  auto& fs = *posix_file_system::shared();
  const std::string dir = (tmp / "log" / "page_views").string();
  REQUIRE(fs.create_dirs(dir));
  auto f = fs.open_append(dir + "/x.jsonl.open");
  REQUIRE(f);
  REQUIRE((*f)->close());
  ::umask(old);
  const auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  CHECK(mode(tmp / "log") == 0700);
  CHECK(mode(dir) == 0700);
  CHECK(mode(dir + "/x.jsonl.open") == 0600);
}

TEST_CASE("the event log writes sealed, verifiable segments to a real directory",
          "[integration][eventlog]") {
  gg::test::temp_dir tmp("gg-eventlog");
  gg::metrics::registry registry;
  event_log_config config;
  config.log_dir = (tmp.path() / "log").string();
  config.metrics = &registry;
  std::atomic<int> ok{0};
  {
    event_log log(config);
    REQUIRE(log.start().has_value());
    for (int i = 0; i < 1000; ++i) {
      const std::string line =
          R"({"event_id":"id-)" + std::to_string(i) + R"(","type":"page_view"})";
      const queue_id q = all_queues[static_cast<std::size_t>(i) % queue_count];
      while (!log.try_submit({q, line, [&](gg::status s) { ok += s ? 1 : 0; }}).accepted()) {
        std::this_thread::sleep_for(1ms);
      }
    }
    REQUIRE(log.drain(std::chrono::steady_clock::now() + 20s).has_value());
  }
  CHECK(ok == 1000);
  std::size_t lines = 0;
  for (const queue_id q : all_queues) {
    for (const auto& e :
         std::filesystem::directory_iterator(tmp.path() / "log" / std::string(to_string(q)))) {
      const std::string name = e.path().filename().string();
      CHECK(name.ends_with(".jsonl"));
      const auto parsed = parse_segment_name(name);
      REQUIRE(parsed);
      CHECK_FALSE(parsed->open);
      const std::string data = gg::test::read_file(e.path());
      const auto scan = scan_segment(data);
      CHECK(scan.damage == segment_damage::none);
      lines += scan.good_lines;
    }
  }
  CHECK(lines == 1000);
  // The quarantine directory is only created when something is quarantined.
  CHECK_FALSE(std::filesystem::exists(tmp.path() / "quarantine"));
}

#include <gadgetgrove/eventlog/segment_writer.hpp>

#include "eventlog_test_util.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace gg::eventlog;
using namespace gg::eventlog::test;
using namespace std::chrono_literals;

namespace {

const std::string dir = "/log/user_events";

struct batch {
  std::vector<std::string> lines;
  std::vector<::iovec> iov;
  std::uint64_t bytes = 0;

  explicit batch(const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      std::string l = event_line(id);
      frame_in_place(l);
      lines.push_back(std::move(l));
    }
    for (auto& l : lines) {
      iov.push_back({l.data(), l.size()});
      bytes += l.size();
    }
  }
};

}  // namespace

TEST_CASE("appending and sealing produces one sealed segment with every line", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 5, {});
  const auto now = segment_writer::clock::now();
  batch b({"a", "b", "c"});
  REQUIRE(w.append(b.iov, b.bytes, now));
  CHECK(w.active_name().ends_with("-00000005.jsonl.open"));
  CHECK(w.size() == b.bytes);
  CHECK(w.synced_size() == 0);
  REQUIRE(w.sync());
  CHECK(w.synced_size() == b.bytes);
  REQUIRE(w.seal());
  CHECK(w.active_name().empty());
  CHECK(w.segments_sealed() == 1);

  fs.crash();  // everything above was made durable
  fs.reboot();
  const auto r = read_queue(fs, dir);
  CHECK(r.sealed_files == 1);
  CHECK(r.open_files == 0);
  CHECK(r.bad == 0);
  REQUIRE(r.lines.size() == 3);
  CHECK(id_of(r.lines[2]) == "c");
}

TEST_CASE("short writes are completed by further writev calls", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  fs.set_short_writes(true);
  segment_writer w(fs, dir, 0, {});
  batch b({"a", "b", "c", "d"});
  REQUIRE(w.append(b.iov, b.bytes, segment_writer::clock::now()));
  CHECK(fs.write_calls() > 1);
  REQUIRE(w.seal());
  const auto r = read_queue(fs, dir);
  CHECK(r.lines.size() == 4);
  CHECK(r.bad == 0);
}

TEST_CASE("a batch that would overflow rotate_bytes goes to a fresh segment", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  batch one({"x"});
  const std::uint64_t line = one.bytes;
  segment_writer w(fs, dir, 0, {line * 3, 1h});
  const auto now = segment_writer::clock::now();
  batch b1({"a", "b"});
  batch b2({"c", "d"});
  batch b3({"e", "f", "g", "h"});  // bigger than rotate_bytes on its own
  REQUIRE(w.append(b1.iov, b1.bytes, now));
  REQUIRE(w.sync());
  REQUIRE(w.append(b2.iov, b2.bytes, now));  // 4 lines > 3: seals the first segment
  REQUIRE(w.sync());
  CHECK(w.segments_sealed() == 1);
  REQUIRE(w.append(b3.iov, b3.bytes, now));
  REQUIRE(w.sync());
  CHECK(w.segments_sealed() == 2);
  CHECK(w.due_for_seal(now));  // at or past the size limit
  REQUIRE(w.seal());

  std::vector<std::size_t> sizes;
  for (const auto& [name, data] : files_in(fs, dir)) {
    CHECK(name.ends_with(".jsonl"));
    sizes.push_back(data.size());
  }
  CHECK(sizes == std::vector<std::size_t>{2 * line, 2 * line, 4 * line});
}

TEST_CASE("a segment becomes due for sealing once its first event is rotate_age old",
          "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 0, {1 << 20, 100ms});
  const auto t0 = segment_writer::clock::now();
  CHECK_FALSE(w.due_for_seal(t0 + 1h));  // nothing open
  batch b({"a"});
  REQUIRE(w.append(b.iov, b.bytes, t0));
  REQUIRE(w.age_deadline());
  CHECK(*w.age_deadline() == t0 + 100ms);
  CHECK_FALSE(w.due_for_seal(t0 + 99ms));
  CHECK(w.due_for_seal(t0 + 100ms));
}

TEST_CASE("segment names keep increasing sequence numbers and times", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 41, {});
  for (int i = 0; i < 3; ++i) {
    batch b({"a"});
    REQUIRE(w.append(b.iov, b.bytes, segment_writer::clock::now()));
    REQUIRE(w.seal());
  }
  std::vector<std::string> names;
  for (const auto& [name, data] : files_in(fs, dir)) names.push_back(name);
  REQUIRE(names.size() == 3);
  CHECK(names[0].ends_with("-00000041.jsonl"));
  CHECK(names[2].ends_with("-00000043.jsonl"));
  CHECK(parse_segment_name(names[0])->first_event_time <
        parse_segment_name(names[1])->first_event_time);
}

TEST_CASE("a failed write cuts the segment back to its last sync and waits for repair",
          "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 0, {});
  const auto now = segment_writer::clock::now();
  batch b1({"a", "b"});
  REQUIRE(w.append(b1.iov, b1.bytes, now));
  REQUIRE(w.sync());

  fs.fail_next_writes(ENOSPC, 1, 10);  // 10 bytes land, then ENOSPC
  batch b2({"c", "d"});
  auto st = w.append(b2.iov, b2.bytes, now);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == gg::errc::no_space);
  CHECK(w.failed());
  CHECK(w.size() == b1.bytes);
  const std::string path = dir + "/" + w.active_name();
  CHECK(fs.contents(path)->size() == b1.bytes);
  CHECK_FALSE(w.append(b2.iov, b2.bytes, now));  // refused until repaired

  REQUIRE(w.repair());
  CHECK_FALSE(w.failed());
  REQUIRE(w.append(b2.iov, b2.bytes, now));
  REQUIRE(w.seal());
  const auto r = read_queue(fs, dir);
  CHECK(r.bad == 0);
  REQUIRE(r.lines.size() == 4);
  CHECK(id_of(r.lines[2]) == "c");
}

TEST_CASE("a failed sync drops the unsynced batch and repair makes the file whole again",
          "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 0, {});
  const auto now = segment_writer::clock::now();
  batch b1({"a"});
  REQUIRE(w.append(b1.iov, b1.bytes, now));
  REQUIRE(w.sync());
  batch b2({"b"});
  REQUIRE(w.append(b2.iov, b2.bytes, now));
  fs.fail_next_syncs(EIO);
  auto st = w.sync();
  REQUIRE_FALSE(st);
  CHECK(st.error().code == gg::errc::io);
  CHECK(w.failed());
  REQUIRE(w.repair());
  REQUIRE(w.seal());
  const auto r = read_queue(fs, dir);
  REQUIRE(r.lines.size() == 1);
  CHECK(id_of(r.lines[0]) == "a");
}

TEST_CASE("a seal interrupted by a failed directory sync is finished by repair",
          "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 0, {});
  batch b({"a"});
  REQUIRE(w.append(b.iov, b.bytes, segment_writer::clock::now()));
  fs.fail_next_dir_syncs(EIO);
  REQUIRE_FALSE(w.seal());
  CHECK(w.failed());
  REQUIRE(w.repair());
  CHECK_FALSE(w.failed());
  CHECK(w.segments_sealed() == 1);
  fs.crash();
  fs.reboot();
  const auto r = read_queue(fs, dir);
  CHECK(r.sealed_files == 1);
  CHECK(r.lines.size() == 1);
}

TEST_CASE("a segment whose only write failed is removed instead of sealed", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs(dir));
  segment_writer w(fs, dir, 0, {});
  fs.fail_next_writes(EIO);
  batch b({"a"});
  REQUIRE_FALSE(w.append(b.iov, b.bytes, segment_writer::clock::now()));
  REQUIRE(w.repair());
  REQUIRE(w.seal());
  CHECK(files_in(fs, dir).empty());
  CHECK(w.segments_sealed() == 0);
}

#include <gadgetgrove/eventlog/segment_recovery.hpp>

#include "eventlog_test_util.hpp"

#include <catch2/catch.hpp>

using namespace gg::eventlog;
using namespace gg::eventlog::test;

namespace {

const std::string dir = "/data/log/page_views";
const std::string quarantine = "/data/quarantine/page_views";
const std::string name_a = "20250101T000000000000Z-00000003.jsonl.open";
const std::string name_a_sealed = "20250101T000000000000Z-00000003.jsonl";

}  // namespace

TEST_CASE("a clean open segment is synced and sealed", "[unit][eventlog]") {
  fault_file_system fs;
  const std::string body = segment_of({event_line("a"), event_line("b")});
  fs.put(dir + "/" + name_a, body);
  fs.put(dir + "/20240101T000000000000Z-00000009.jsonl", segment_of({event_line("z")}));
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->sealed == 1);
  CHECK(report->torn == 0);
  CHECK(report->next_seq == 10);
  const auto files = files_in(fs, dir);
  CHECK(files.count(name_a) == 0);
  REQUIRE(files.count(name_a_sealed) == 1);
  CHECK(files.at(name_a_sealed) == body);
  // The rename was made durable.
  fs.crash();
  fs.reboot();
  CHECK(files_in(fs, dir).count(name_a_sealed) == 1);
}

TEST_CASE("a torn final line is truncated on recovery and counted", "[unit][eventlog]") {
  fault_file_system fs;
  const std::string good = segment_of({event_line("a"), event_line("b")});
  std::string torn = event_line("c");
  frame_in_place(torn);
  fs.put(dir + "/" + name_a, good + torn.substr(0, torn.size() / 2));
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->torn == 1);
  CHECK(report->torn_bytes == torn.size() / 2);
  CHECK(report->sealed == 1);
  CHECK(files_in(fs, dir).at(name_a_sealed) == good);
}

TEST_CASE("a flipped byte in the last line is cut off like a torn tail", "[unit][eventlog]") {
  fault_file_system fs;
  const std::string good = segment_of({event_line("a")});
  std::string last = segment_of({event_line("b")});
  last[4] ^= 0x04;
  fs.put(dir + "/" + name_a, good + last);
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->torn == 1);
  CHECK(report->quarantined == 0);
  CHECK(files_in(fs, dir).at(name_a_sealed) == good);
}

TEST_CASE("a flipped byte in the middle moves the whole segment to quarantine",
          "[unit][eventlog]") {
  fault_file_system fs;
  std::string body = segment_of({event_line("a"), event_line("b"), event_line("c")});
  body[body.find("\"b\"")] ^= 0x01;
  fs.put(dir + "/" + name_a, body);
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->quarantined == 1);
  CHECK(report->sealed == 0);
  CHECK(report->torn == 0);
  CHECK(files_in(fs, dir).empty());
  const auto q = files_in(fs, quarantine);
  REQUIRE(q.size() == 1);
  CHECK(q.begin()->first == name_a);
  CHECK(q.begin()->second == body);  // moved whole, byte for byte
  fs.crash();
  fs.reboot();
  CHECK(files_in(fs, quarantine).size() == 1);
  CHECK(files_in(fs, dir).empty());
}

TEST_CASE("an empty open segment is removed", "[unit][eventlog]") {
  fault_file_system fs;
  fs.put(dir + "/" + name_a, "");
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->removed_empty == 1);
  CHECK(report->torn == 0);
  CHECK(report->next_seq == 4);
  CHECK(files_in(fs, dir).empty());
}

TEST_CASE("an open segment holding only a partial line is removed and counted as torn",
          "[unit][eventlog]") {
  fault_file_system fs;
  fs.put(dir + "/" + name_a, R"({"event_id":"a","ty)");
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->removed_empty == 1);
  CHECK(report->torn == 1);
  CHECK(files_in(fs, dir).empty());
}

TEST_CASE("files that are not segments are left alone", "[unit][eventlog]") {
  fault_file_system fs;
  fs.put(dir + "/README", "not a segment\n");
  fs.put(dir + "/x.jsonl.open", "garbage\n");
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->sealed + report->quarantined + report->removed_empty == 0);
  CHECK(files_in(fs, dir).size() == 2);
}

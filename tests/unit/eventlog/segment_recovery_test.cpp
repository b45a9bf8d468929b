#include "segment_recovery.hpp"

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

TEST_CASE("a bad line before good ones: the good prefix is sealed, only the rest is quarantined",
          "[unit][eventlog]") {
  fault_file_system fs;
  const std::string prefix = segment_of({event_line("a")});
  std::string body = prefix + segment_of({event_line("b"), event_line("c")});
  body[body.find("\"b\"")] ^= 0x01;
  const std::string rest = body.substr(prefix.size());
  fs.put(dir + "/" + name_a, body);
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->sealed == 1);
  CHECK(report->quarantined == 1);
  CHECK(report->quarantined_bytes == rest.size());
  CHECK(report->torn == 0);
  const auto files = files_in(fs, dir);
  REQUIRE(files.size() == 1);
  CHECK(files.at(name_a_sealed) == prefix);
  const std::string piece =
      name_a_sealed + ".bytes-" + std::to_string(prefix.size()) + "-" + std::to_string(body.size());
  CHECK(quarantine_name(name_a, prefix.size(), body.size()) == piece);
  const auto q = files_in(fs, quarantine);
  REQUIRE(q.size() == 1);
  CHECK(q.begin()->first == piece);
  CHECK(q.begin()->second == rest);  // the remainder, byte for byte
  fs.crash();
  fs.reboot();
  CHECK(files_in(fs, quarantine) == q);
  CHECK(files_in(fs, dir) == files);
}

TEST_CASE("a bad first line before good ones quarantines the whole file and seals nothing",
          "[unit][eventlog]") {
  fault_file_system fs;
  std::string body = segment_of({event_line("a"), event_line("b")});
  body[body.find("\"a\"")] ^= 0x01;
  fs.put(dir + "/" + name_a, body);
  auto report = recover_queue_dir(fs, dir, quarantine);
  REQUIRE(report);
  CHECK(report->sealed == 0);
  CHECK(report->quarantined == 1);
  CHECK(report->quarantined_bytes == body.size());
  CHECK(files_in(fs, dir).empty());
  const auto q = files_in(fs, quarantine);
  REQUIRE(q.size() == 1);
  CHECK(q.begin()->first == quarantine_name(name_a, 0, body.size()));
  CHECK(q.begin()->second == body);
}

TEST_CASE("a crash at any step of splitting a corrupt segment loses no byte of it",
          "[unit][eventlog]") {
  const std::string prefix = segment_of({event_line("a"), event_line("b")});
  std::string body = prefix + segment_of({event_line("c"), event_line("d")});
  body[body.find("\"c\"")] ^= 0x01;
  const std::string rest = body.substr(prefix.size());
  const std::string piece = quarantine_name(name_a, prefix.size(), body.size());

  // Count the observable steps of an undisturbed recovery, then crash after each one in turn.
  int steps = 0;
  {
    fault_file_system fs;
    fs.put(dir + "/" + name_a, body);
    fs.set_observer([&](std::string_view, const std::string&) { ++steps; });
    REQUIRE(recover_queue_dir(fs, dir, quarantine));
  }
  REQUIRE(steps > 4);
  for (int crash_after = 1; crash_after <= steps; ++crash_after) {
    INFO("crash after step " << crash_after << " of " << steps);
    fault_file_system fs;
    fs.put(dir + "/" + name_a, body);
    int seen = 0;
    fs.set_observer([&](std::string_view, const std::string&) {
      if (++seen == crash_after) fs.crash();
    });
    (void)recover_queue_dir(fs, dir, quarantine);
    fs.set_observer({});
    fs.reboot();
    auto again = recover_queue_dir(fs, dir, quarantine);
    REQUIRE(again);
    const auto files = files_in(fs, dir);
    REQUIRE(files.size() == 1);
    CHECK(files.at(name_a_sealed) == prefix);
    const auto q = files_in(fs, quarantine);
    REQUIRE(q.size() == 1);
    CHECK(q.begin()->first == piece);
    CHECK(q.begin()->second == rest);
  }
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

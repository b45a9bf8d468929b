#include <gadgetgrove/eventlog/segment_format.hpp>

#include "eventlog_test_util.hpp"

#include <gadgetgrove/core/checksum.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace gg::eventlog;
using gg::eventlog::test::event_line;
using gg::eventlog::test::segment_of;

TEST_CASE("framing appends the checksum tail and keeps the line valid JSON", "[unit][eventlog]") {
  const std::string object = R"({"event_id":"e1","properties":{"a":[1,2,{"b":"}"}]}})";
  std::string line = object;
  REQUIRE(is_frameable(line));
  frame_in_place(line);

  CHECK(line.size() == object.size() + frame_overhead);
  CHECK(line.back() == '\n');
  CHECK(line.substr(line.size() - frame_tail_size, checksum_prefix.size()) == checksum_prefix);
  char hex[16];
  gg::write_hex16(gg::checksum64(object.substr(0, object.size() - 1)), hex);
  CHECK(line.substr(line.size() - 19, 16) == std::string(hex, 16));
  CHECK(verify_line(line));

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line.substr(0, line.size() - 1)).get(doc) == simdjson::SUCCESS);
  std::string_view sum;
  REQUIRE(doc["_checksum"].get(sum) == simdjson::SUCCESS);
  CHECK(sum == std::string_view(hex, 16));
  std::string_view id;
  REQUIRE(doc["event_id"].get(id) == simdjson::SUCCESS);
  CHECK(id == "e1");

  std::string appended = "prefix";
  append_framed(object, appended);
  CHECK(appended == "prefix" + line);

  unframe_in_place(line);
  CHECK(line == object);
}

TEST_CASE("only non-empty single-line objects can be framed", "[unit][eventlog]") {
  CHECK(is_frameable(R"({"a":1})"));
  CHECK_FALSE(is_frameable(""));
  CHECK_FALSE(is_frameable("{}"));
  CHECK_FALSE(is_frameable("{ \t }"));
  CHECK_FALSE(is_frameable("[1,2]"));
  CHECK_FALSE(is_frameable(R"({"a":1} )"));
  CHECK_FALSE(is_frameable("{\"a\":\"x\ny\"}"));
  CHECK_FALSE(is_frameable(R"("a")"));
}

TEST_CASE("a line fails verification when any byte changes or the tail is malformed",
          "[unit][eventlog]") {
  std::string line = event_line("flip-me");
  frame_in_place(line);
  REQUIRE(verify_line(line));
  for (std::size_t i = 0; i < line.size(); ++i) {
    std::string bad = line;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CHECK_FALSE(verify_line(bad));
  }
  CHECK_FALSE(verify_line(line.substr(0, line.size() - 1)));  // no newline
  CHECK_FALSE(verify_line(""));
  CHECK_FALSE(verify_line("\n"));
  std::string upper = line;
  const auto hex_at = line.size() - 19;
  std::transform(upper.begin() + static_cast<std::ptrdiff_t>(hex_at),
                 upper.begin() + static_cast<std::ptrdiff_t>(hex_at + 16),
                 upper.begin() + static_cast<std::ptrdiff_t>(hex_at),
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  REQUIRE(upper != line);  // the tail has a letter to raise, so the case below is tested
  CHECK_FALSE(verify_line(upper));
}

TEST_CASE("a segment of good lines scans clean", "[unit][eventlog]") {
  const std::string data = segment_of({event_line("a"), event_line("b"), event_line("c")});
  const auto scan = scan_segment(data);
  CHECK(scan.damage == segment_damage::none);
  CHECK(scan.good_lines == 3);
  CHECK(scan.good_bytes == data.size());
}

TEST_CASE("an empty segment scans clean with nothing in it", "[unit][eventlog]") {
  const auto scan = scan_segment("");
  CHECK(scan.damage == segment_damage::none);
  CHECK(scan.good_lines == 0);
  CHECK(scan.good_bytes == 0);
}

TEST_CASE("a final line without its newline is a torn tail", "[unit][eventlog]") {
  const std::string good = segment_of({event_line("a"), event_line("b")});
  std::string last = event_line("c");
  frame_in_place(last);
  for (std::size_t keep = 1; keep < last.size(); ++keep) {
    const auto scan = scan_segment(good + last.substr(0, keep));
    CHECK(scan.damage == segment_damage::torn_tail);
    CHECK(scan.good_lines == 2);
    CHECK(scan.good_bytes == good.size());
  }
}

TEST_CASE("a flipped byte in the last line is a torn tail", "[unit][eventlog]") {
  const std::string good = segment_of({event_line("a"), event_line("b")});
  std::string data = good + segment_of({event_line("c")});
  data[good.size() + 5] ^= 0x20;
  const auto scan = scan_segment(data);
  CHECK(scan.damage == segment_damage::torn_tail);
  CHECK(scan.good_bytes == good.size());
}

TEST_CASE("a flipped byte in a middle line is corruption", "[unit][eventlog]") {
  const std::string first = segment_of({event_line("a")});
  std::string data = first + segment_of({event_line("b"), event_line("c"), event_line("d")});
  data[first.size() + 3] ^= 0x01;
  const auto scan = scan_segment(data);
  CHECK(scan.damage == segment_damage::corrupt);
  CHECK(scan.good_lines == 1);
  CHECK(scan.good_bytes == first.size());
  CHECK(scan.lines_after == 2);
}

TEST_CASE("a zero-length line is bad: corruption in the middle, a torn tail at the end",
          "[unit][eventlog]") {
  const std::string a = segment_of({event_line("a")});
  const std::string b = segment_of({event_line("b")});
  const auto middle = scan_segment(a + "\n" + b);
  CHECK(middle.damage == segment_damage::corrupt);
  CHECK(middle.good_bytes == a.size());
  const auto end = scan_segment(a + b + "\n");
  CHECK(end.damage == segment_damage::torn_tail);
  CHECK(end.good_bytes == a.size() + b.size());
}

TEST_CASE("segment names round-trip and sort in time order", "[unit][eventlog]") {
  const gg::sys_us t{std::chrono::microseconds{1'764'170'351'123'456}};
  const std::string open = format_segment_name({t, 7, true});
  CHECK(open == "20251126T151911123456Z-00000007.jsonl.open");
  const std::string sealed = format_segment_name({t, 7, false});
  CHECK(sealed == "20251126T151911123456Z-00000007.jsonl");
  const auto parsed = parse_segment_name(open);
  REQUIRE(parsed);
  CHECK(parsed->first_event_time == t);
  CHECK(parsed->seq == 7);
  CHECK(parsed->open);
  REQUIRE(parse_segment_name(sealed));
  CHECK_FALSE(parse_segment_name(sealed)->open);
  CHECK(format_segment_name({t, 123456789012, false}) ==
        "20251126T151911123456Z-123456789012.jsonl");

  const std::string later = format_segment_name({t + std::chrono::microseconds{1}, 0, false});
  CHECK(sealed < later);

  CHECK_FALSE(parse_segment_name("notes.txt"));
  CHECK_FALSE(parse_segment_name(".jsonl"));
  CHECK_FALSE(parse_segment_name("20251126T151911123456Z-0000007.jsonl"));
  CHECK_FALSE(parse_segment_name("20251326T151911123456Z-00000007.jsonl"));
  CHECK_FALSE(parse_segment_name("20251126T151911123456Z-0000000x.jsonl"));
  CHECK_FALSE(parse_segment_name("20251126X151911123456Z-00000007.jsonl"));
}

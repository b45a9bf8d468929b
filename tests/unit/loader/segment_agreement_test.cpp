// The event log (which writes and recovers segments) and the loader (which reads them) must
// accept exactly the same lines: both read the tail through eventlog::check_frame, and this test
// holds them to it over a shared corpus of good and damaged lines.

#include <gadgetgrove/eventlog/segment_format.hpp>
#include "line_parser.hpp"

#include "framing.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using gg::loader::reject_code;

std::filesystem::path source_dir() {
  const char* env = std::getenv("GG_SOURCE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::filesystem::path{__FILE__}.parent_path().parent_path().parent_path().parent_path();
}

// Every line (without its newline) of the committed segment corpus of the recovery fuzzer.
std::vector<std::string> fuzz_corpus_lines() {
  std::vector<std::string> out;
  const auto dir = source_dir() / "tests" / "fuzz" / "eventlog" / "corpus";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    std::istringstream lines(data.str());
    for (std::string line; std::getline(lines, line);) out.push_back(line);
  }
  return out;
}

// Good lines and every kind of damage to their tails: truncation at each length, each byte of
// the tail replaced, upper-case hex, a flipped body byte.
std::vector<std::string> mutated_lines() {
  const std::vector<std::string> objects = {
      R"({"event_id":"0190a1b2-0000-7000-8000-000000000001","type":"page_view","url":"/","server_timestamp":"2026-11-26T15:19:11.123456Z"})",
      R"({"a":1})",
      R"({"event_id":"0190a1b2-0000-7000-8000-00000000000f","type":"track","properties":{"x":[1,2,{"y":"z"}]},"server_timestamp":"2026-11-26T15:19:11Z"})",
  };
  std::vector<std::string> out;
  for (const auto& object : objects) {
    const std::string good = gg::loader::test::frame(object);
    out.push_back(good);
    for (std::size_t cut = 1; cut <= gg::eventlog::frame_tail_size; ++cut)
      out.push_back(good.substr(0, good.size() - cut));
    const std::size_t tail_begin = good.size() - (gg::eventlog::frame_tail_size - 1);
    for (std::size_t i = tail_begin; i < good.size(); ++i) {
      for (const char c : {'A', 'f', '0', ' ', '"', '}'}) {
        std::string bad = good;
        if (bad[i] == c) continue;
        bad[i] = c;
        out.push_back(bad);
      }
      std::string upper = good;
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
      if (upper != good) out.push_back(upper);
    }
    std::string flipped = good;
    flipped[2] ^= 0x01;
    out.push_back(flipped);
    out.push_back(good + " ");
    out.push_back(good + "\r");
    out.push_back(object);
  }
  out.emplace_back();
  out.push_back(gg::loader::test::frame(R"({"a":1})").substr(7));  // a tail with an empty body
  return out;
}

}  // namespace

TEST_CASE("the loader accepts a segment line's tail exactly when the event log verifies it",
          "[unit][loader][eventlog]") {
  std::vector<std::string> corpus = fuzz_corpus_lines();
  REQUIRE(corpus.size() >= 10);
  for (auto& line : mutated_lines()) corpus.push_back(std::move(line));

  gg::loader::line_parser parser;
  gg::loader::event_row row;
  std::size_t verified = 0;
  for (const std::string& line : corpus) {
    INFO("line: " << line);
    const bool log_accepts = gg::eventlog::verify_line(line + "\n");
    std::string padded = line;
    padded.append(gg::loader::line_padding, ' ');
    const auto why =
        parser.parse_line(std::string_view{padded}.substr(0, line.size()), true, "page_views", row);
    const bool loader_accepts_tail = !why || (why->code != reject_code::missing_checksum &&
                                              why->code != reject_code::checksum_mismatch);
    CHECK(log_accepts == loader_accepts_tail);
    // A whole segment made of this one line gets the same verdict from recovery's scan.
    const auto scan = gg::eventlog::scan_segment(line + "\n");
    CHECK((scan.damage == gg::eventlog::segment_damage::none) == log_accepts);
    if (log_accepts) ++verified;
  }
  // The corpus holds both kinds, so the comparison cannot pass by rejecting everything.
  CHECK(verified >= 5);
  CHECK(verified < corpus.size() / 2);
}

TEST_CASE("an upper-case checksum is rejected by both the event log and the loader",
          "[unit][loader][eventlog]") {
  std::string line = gg::loader::test::frame(R"({"a":1})");
  const std::size_t hex = line.size() - 18;
  bool changed = false;
  for (std::size_t i = hex; i < hex + 16; ++i) {
    if (line[i] >= 'a' && line[i] <= 'f') {
      line[i] = static_cast<char>(line[i] - 'a' + 'A');
      changed = true;
    }
  }
  REQUIRE(changed);
  CHECK(gg::eventlog::check_frame(line) == gg::eventlog::frame_check::missing);
  CHECK_FALSE(gg::eventlog::verify_line(line + "\n"));
  gg::loader::line_parser parser;
  gg::loader::event_row row;
  std::string padded = line + std::string(gg::loader::line_padding, ' ');
  const auto why =
      parser.parse_line(std::string_view{padded}.substr(0, line.size()), true, "q", row);
  REQUIRE(why);
  CHECK(why->code == reject_code::missing_checksum);
}

#include "segment_reader.hpp"

#include <gadgetgrove/core/checksum.hpp>

#include <catch2/catch.hpp>

#include <temp_dir.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace {

using gg::loader::segment_reader;

void write(const std::filesystem::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary);
  f << content;
}

struct read_back {
  std::vector<std::string> lines;
  std::vector<bool> terminated;
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;
};

read_back read_all(const std::filesystem::path& p, std::size_t chunk) {
  auto r = segment_reader::open(p, chunk);
  REQUIRE(r.has_value());
  read_back out;
  std::uint64_t expected_number = 0;
  for (;;) {
    auto line = r->next();
    REQUIRE(line.has_value());
    if (!*line) break;
    CHECK((*line)->number == ++expected_number);
    out.lines.emplace_back((*line)->text);
    out.terminated.push_back((*line)->terminated);
  }
  out.bytes = r->bytes_read();
  out.checksum = r->checksum();
  return out;
}

}  // namespace

TEST_CASE("a segment is read line by line and hashed whole", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-reader");
  const std::string content = "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n";
  write(dir / "s.jsonl", content);
  const auto r = read_all(dir / "s.jsonl", 4096);
  CHECK(r.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"});
  CHECK(r.terminated == std::vector<bool>{true, true, true, true});
  CHECK(r.bytes == content.size());
  CHECK(r.checksum == gg::checksum64(content));
}

TEST_CASE("a last line without a newline is returned as unterminated", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-reader");
  write(dir / "s.jsonl", "one\ntwo");
  const auto r = read_all(dir / "s.jsonl", 4096);
  CHECK(r.lines == std::vector<std::string>{"one", "two"});
  CHECK(r.terminated == std::vector<bool>{true, false});
}

TEST_CASE("an empty segment has no lines", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-reader");
  write(dir / "s.jsonl", "");
  const auto r = read_all(dir / "s.jsonl", 4096);
  CHECK(r.lines.empty());
  CHECK(r.bytes == 0);
  CHECK(r.checksum == gg::checksum64(""));
}

TEST_CASE("lines longer than the buffer and lines across chunk borders are whole",
          "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-reader");
  std::string content;
  std::vector<std::string> want;
  for (int i = 0; i < 300; ++i) {
    std::string line(static_cast<std::size_t>(1 + (i * 137) % 9000),
                     static_cast<char>('a' + i % 26));
    want.push_back(line);
    content += line + "\n";
  }
  write(dir / "s.jsonl", content);
  const auto r = read_all(dir / "s.jsonl", 4096);
  CHECK(r.lines == want);
  CHECK(r.checksum == gg::checksum64(content));
}

TEST_CASE("opening a missing segment is not_found", "[unit][loader]") {
  gg::test::temp_dir dir("gg-loader-reader");
  auto r = segment_reader::open(dir / "absent.jsonl");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == gg::errc::not_found);
}

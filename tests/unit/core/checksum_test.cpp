#include <gadgetgrove/core/checksum.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("checksum64 is XXH3 64 with seed 0", "[unit][core]") {
  // Reference values of XXH3_64bits (xxhsum -H3).
  CHECK(gg::checksum64("") == 0x2D06800538D394C2ULL);
  CHECK(gg::checksum64("a") != gg::checksum64("b"));
  CHECK(gg::checksum64("hello") == gg::checksum64(std::string("hello")));
}

TEST_CASE("write_hex16 writes sixteen lower-case digits that parse back", "[unit][core]") {
  char buf[16];
  gg::write_hex16(0x0123456789ABCDEFULL, buf);
  CHECK(std::string_view(buf, 16) == "0123456789abcdef");
  gg::write_hex16(0, buf);
  CHECK(std::string_view(buf, 16) == "0000000000000000");
  std::uint64_t v = 0;
  CHECK(gg::parse_hex16("0123456789ABCDEF", v));
  CHECK(v == 0x0123456789ABCDEFULL);
  CHECK_FALSE(gg::parse_hex16("0123456789abcde", v));
  CHECK_FALSE(gg::parse_hex16("0123456789abcdeg", v));
}

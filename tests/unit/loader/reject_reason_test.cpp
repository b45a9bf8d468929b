#include "reject_reason.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string storable(std::string_view raw) {
  std::string out;
  gg::loader::append_storable_text(out, raw);
  return out;
}

const std::string fffd = "\xef\xbf\xbd";

}  // namespace

TEST_CASE("rejected lines are stored as valid UTF-8 without NUL bytes", "[unit][loader]") {
  CHECK(storable("plain ascii {\"a\":1}") == "plain ascii {\"a\":1}");
  CHECK(storable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(storable(std::string_view("a\0b", 3)) == "a" + fffd + "b");
  CHECK(storable("x\xffy") == "x" + fffd + "y");
  CHECK(storable("\xc0\xaf") == fffd + fffd);                        // overlong '/'
  CHECK(storable("\xed\xa0\x80") == fffd + fffd + fffd);             // UTF-8 encoded surrogate
  CHECK(storable("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
  CHECK(storable("end\xe2\x82") == "end" + fffd);  // cut short: one maximal subpart
  CHECK(storable("").empty());
}

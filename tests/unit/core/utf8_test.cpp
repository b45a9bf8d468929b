#include <gadgetgrove/core/utf8.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

TEST_CASE("append_repaired_utf8 keeps valid text and replaces each maximal invalid subpart",
          "[unit][core]") {
  const std::string fffd = "\xef\xbf\xbd";
  auto repaired = [](std::string_view s, bool nul) {
    std::string out = "<";
    gg::append_repaired_utf8(out, s, nul);
    return out;
  };
  CHECK(repaired("caf\xc3\xa9 \xf0\x9f\x98\x80", false) == "<caf\xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(repaired("a\xe2\x82", false) == "<a" + fffd);
  CHECK(repaired("\xc0\xaf", false) == "<" + fffd + fffd);
  CHECK(repaired(std::string_view("a\0b", 3), false) == std::string("<a\0b", 4));
  CHECK(repaired(std::string_view("a\0b", 3), true) == "<a" + fffd + "b");
}

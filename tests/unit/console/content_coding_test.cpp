#include "content_coding.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string_view>

using gg::console::accepts_gzip;

TEST_CASE("gzip is accepted when Accept-Encoding names it or * with a weight above zero",
          "[unit][console]") {
  for (std::string_view yes :
       {"gzip", "gzip, deflate, br, zstd", "GZip", " deflate ,gzip ", "x-gzip", "gzip;q=1",
        "gzip; q=0.001", "gzip;Q=0.5", "*", "*;q=0.1", "br, *", "gzip;q=0, gzip", "gzip;level=9"}) {
    CAPTURE(yes);
    CHECK(accepts_gzip(yes));
  }
  for (std::string_view no : {"", "identity", "deflate, br", "gzip;q=0", "gzip;q=0.000",
                              "gzip; q=0, *", "*;q=0", "gzip;q=2", "gzip;q=1.5", "gzip;q=0.0001",
                              "gzip;q=abc", "gzip;q=", "gzip;q", "gzipped", ",,,", "gzip;q=-1"}) {
    CAPTURE(no);
    CHECK_FALSE(accepts_gzip(no));
  }
  CHECK_FALSE(accepts_gzip(std::nullopt));
}

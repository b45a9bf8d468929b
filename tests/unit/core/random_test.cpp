#include <gadgetgrove/core/random.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <string>

namespace {

bool urlsafe(const std::string& s) {
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("random tokens have the base64url length and alphabet", "[unit][core]") {
  CHECK(gg::random_token_urlsafe(32).size() == 43);
  CHECK(gg::random_token_urlsafe(0).empty());
  CHECK(gg::random_token_urlsafe(1).size() == 2);
  CHECK(gg::random_token_urlsafe(2).size() == 3);
  CHECK(gg::random_token_urlsafe(3).size() == 4);
  CHECK(gg::random_token_urlsafe(100).size() == 134);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string t = gg::random_token_urlsafe(32);
    CHECK(urlsafe(t));
    seen.insert(t);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("base64url matches RFC 4648 test vectors without padding", "[unit][core]") {
  const auto enc = [](std::string_view s) {
    std::string out;
    gg::append_base64url(out, std::span<const std::uint8_t>(
                                  reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    return out;
  };
  CHECK(enc("") == "");
  CHECK(enc("f") == "Zg");
  CHECK(enc("fo") == "Zm8");
  CHECK(enc("foo") == "Zm9v");
  CHECK(enc("foob") == "Zm9vYg");
  CHECK(enc("fooba") == "Zm9vYmE");
  CHECK(enc("foobar") == "Zm9vYmFy");
  CHECK(enc("\xfb\xff") == "-_8");
}

TEST_CASE("secure_random fills the whole buffer", "[unit][core]") {
  std::array<std::uint8_t, 4096> buf{};
  gg::secure_random(buf);
  int zeros = 0;
  for (const auto b : buf) zeros += b == 0;
  // 4096 random bytes hold about 16 zeros; hundreds would mean a part was left unfilled.
  CHECK(zeros < 100);
}

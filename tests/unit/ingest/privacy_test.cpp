#include <gadgetgrove/ingest/bot_detector.hpp>
#include <gadgetgrove/ingest/client_ip.hpp>
#include <gadgetgrove/ingest/visitor_hash.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace gg::ingest;

namespace {

std::string stored(std::string_view peer, ip_mode mode) {
  std::string out;
  if (!append_client_ip(out, peer, mode)) return "<none>";
  return out;
}

std::string message_bytes(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

}  // namespace

TEST_CASE("ip modes parse and print", "[unit][ingest]") {
  CHECK(parse_ip_mode("full") == ip_mode::full);
  CHECK(parse_ip_mode("truncate") == ip_mode::truncate);
  CHECK(parse_ip_mode("none") == ip_mode::none);
  CHECK_FALSE(parse_ip_mode("partial").has_value());
  CHECK(to_string(ip_mode::truncate) == "truncate");
}

TEST_CASE("truncate zeroes the last IPv4 octet", "[unit][ingest]") {
  CHECK(stored("203.0.113.77", ip_mode::truncate) == "203.0.113.0");
  CHECK(stored("10.1.2.255", ip_mode::truncate) == "10.1.2.0");
  CHECK(stored("203.0.113.77", ip_mode::full) == "203.0.113.77");
  CHECK(stored("203.0.113.77", ip_mode::none) == "<none>");
}

TEST_CASE("truncate keeps only the first 48 bits of an IPv6 address", "[unit][ingest]") {
  CHECK(stored("2001:db8:85a3:8d3:1319:8a2e:370:7348", ip_mode::truncate) == "2001:db8:85a3::");
  CHECK(stored("2001:0db8:85a3:ffff:ffff:ffff:ffff:ffff", ip_mode::truncate) == "2001:db8:85a3::");
  CHECK(stored("::1", ip_mode::truncate) == "::");
  CHECK(stored("2001:DB8::1", ip_mode::full) == "2001:db8::1");
}

TEST_CASE("an IPv4-mapped IPv6 peer is stored as IPv4 and a zone is dropped", "[unit][ingest]") {
  CHECK(stored("::ffff:198.51.100.23", ip_mode::full) == "198.51.100.23");
  CHECK(stored("::ffff:198.51.100.23", ip_mode::truncate) == "198.51.100.0");
  CHECK(stored("fe80::1%eth0", ip_mode::full) == "fe80::1");
}

TEST_CASE("truncate cuts an IPv4 address embedded in IPv6 to its /24 too", "[unit][ingest]") {
  // 6to4: 2002:AABB:CCDD::/48 carries the whole IPv4 address inside the kept /48.
  CHECK(stored("2002:c633:6417::1", ip_mode::truncate) == "2002:c633:6400::");
  CHECK(stored("2002:c633:6417:1234:5678::1", ip_mode::truncate) == "2002:c633:6400::");
  CHECK(stored("2002:c633:6417::1", ip_mode::full) == "2002:c633:6417::1");
  // IPv4-compatible (deprecated ::a.b.c.d): kept as such, with the host octet zeroed.
  CHECK(stored("::198.51.100.23", ip_mode::truncate) == "::198.51.100.0");
  CHECK(stored("::198.51.100.23", ip_mode::full) == "::198.51.100.23");
  // IPv4-mapped, in any spelling.
  CHECK(stored("::ffff:c633:6417", ip_mode::truncate) == "198.51.100.0");
  CHECK(stored("0:0:0:0:0:ffff:198.51.100.23", ip_mode::truncate) == "198.51.100.0");
  // Embeddings past the first 48 bits (NAT64 64:ff9b::/96) are cut by the /48 already.
  CHECK(stored("64:ff9b::198.51.100.23", ip_mode::truncate) == "64:ff9b::");
  CHECK(stored("::", ip_mode::truncate) == "::");
}

TEST_CASE("a peer that is not an IP address is not stored", "[unit][ingest]") {
  CHECK(stored("", ip_mode::full) == "<none>");
  CHECK(stored("localhost", ip_mode::full) == "<none>");
  CHECK(stored("1.2.3.4.5", ip_mode::truncate) == "<none>");
  CHECK(stored("01.2.3.4", ip_mode::full) == "<none>");
  CHECK(stored(std::string(100, '1'), ip_mode::full) == "<none>");
}

TEST_CASE("siphash-2-4 matches the reference vectors", "[unit][ingest]") {
  const std::uint64_t k0 = 0x0706050403020100ULL;
  const std::uint64_t k1 = 0x0f0e0d0c0b0a0908ULL;
  CHECK(siphash_2_4(k0, k1, message_bytes(0)) == 0x726fdb47dd0e0e31ULL);
  CHECK(siphash_2_4(k0, k1, message_bytes(1)) == 0x74f839c593dc67fdULL);
  CHECK(siphash_2_4(k0, k1, message_bytes(8)) == 0x93f5f5799a932462ULL);
  CHECK(siphash_2_4(k0, k1, message_bytes(15)) == 0xa129ca6149be45e5ULL);
  CHECK(siphash_2_4(k0, k1, message_bytes(63)) == 0x958a324ceb064572ULL);
}

TEST_CASE("the visitor hash is stable within a day and rotates with the day", "[unit][ingest]") {
  const visitor_hash h{"s3cret"};
  REQUIRE(h.enabled());
  const auto today = h.hash(20000, "203.0.113.77", "Mozilla/5.0");
  CHECK(h.hash(20000, "203.0.113.77", "Mozilla/5.0") == today);
  CHECK(h.hash(20001, "203.0.113.77", "Mozilla/5.0") != today);
  CHECK(h.hash(20000, "203.0.113.78", "Mozilla/5.0") != today);
  CHECK(h.hash(20000, "203.0.113.77", "Mozilla/5.1") != today);
  // The address and user agent are framed, not just concatenated.
  CHECK(h.hash(20000, "1.2.3.4", "5x") != h.hash(20000, "1.2.3.45", "x"));
}

TEST_CASE("the visitor hash depends on the key and is off without one", "[unit][ingest]") {
  const visitor_hash a{"key-a"};
  const visitor_hash b{"key-b"};
  CHECK(a.hash(20000, "203.0.113.77", "UA") != b.hash(20000, "203.0.113.77", "UA"));
  CHECK_FALSE(visitor_hash{""}.enabled());
}

TEST_CASE("crawlers, headless browsers and scripts are bots, case-insensitively",
          "[unit][ingest]") {
  const bot_detector d;
  CHECK(d.is_bot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
  CHECK(d.is_bot("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"));
  CHECK(d.is_bot(
      "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)"));
  CHECK(d.is_bot("Mozilla/5.0 (compatible; Baiduspider/2.0)"));
  CHECK(
      d.is_bot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "HeadlessChrome/120.0.0.0 Safari/537.36"));
  CHECK(d.is_bot("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 PhantomJS/2.1.1"));
  CHECK(d.is_bot("Mozilla/5.0 (Linux; Android 7.0) Chrome-Lighthouse"));
  CHECK(d.is_bot("curl/7.88.1"));
  CHECK(d.is_bot("Wget/1.21.3"));
  CHECK(d.is_bot("python-requests/2.31.0"));
  CHECK(d.is_bot("Go-http-client/1.1"));
  CHECK(d.is_bot("facebookexternalhit/1.1"));
  CHECK(d.is_bot("SCRAPY/2.11"));
}

TEST_CASE("ordinary browsers and analytics SDKs are not bots", "[unit][ingest]") {
  const bot_detector d;
  CHECK_FALSE(
      d.is_bot("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
               "like Gecko) Chrome/120.0.0.0 Safari/537.36"));
  CHECK_FALSE(
      d.is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
               "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"));
  CHECK_FALSE(d.is_bot("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"));
  CHECK_FALSE(d.is_bot("analytics-node-next/latest"));
  CHECK_FALSE(d.is_bot("axios/1.6.2"));
  CHECK_FALSE(d.is_bot(""));
  CHECK_FALSE(d.is_bot("b"));
}

TEST_CASE("a bot detector with custom markers matches only those", "[unit][ingest]") {
  const std::string_view markers[] = {"Acme-Probe", "xy"};
  const bot_detector d{markers};
  CHECK(d.is_bot("acme-probe/1.0"));
  CHECK(d.is_bot("Mozilla/5.0 ACME-PROBE"));
  CHECK_FALSE(d.is_bot("Googlebot"));
  CHECK_FALSE(d.is_bot("xy"));  // markers shorter than three bytes are ignored
  // Verdicts are cached per detector: the default detector still sees Googlebot.
  CHECK(bot_detector{}.is_bot("Googlebot"));
  CHECK_FALSE(d.is_bot("Googlebot"));
}

TEST_CASE("cached bot verdicts agree with a fresh scan", "[unit][ingest]") {
  const bot_detector d;
  const char* agents[] = {"curl/8.0", "Mozilla/5.0 Firefox/121.0", "Slackbot-LinkExpanding 1.0",
                          "Mozilla/5.0 HeadlessChrome/120", "okhttp/4.9"};
  for (int round = 0; round < 3; ++round) {
    for (const char* a : agents) {
      INFO(a);
      CHECK(d.is_bot(a) == d.scan(a));
    }
  }
  CHECK(d.scan("x-curl/"));
  CHECK_FALSE(d.scan("cur"));
}

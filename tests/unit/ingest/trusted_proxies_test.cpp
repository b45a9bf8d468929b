#include <gadgetgrove/ingest/trusted_proxies.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace gg::ingest;

namespace {

gg::http::header_map fields(const std::vector<std::pair<std::string, std::string>>& list) {
  gg::http::header_map m;
  for (const auto& [name, value] : list) m.add(name, value);
  return m;
}

trusted_proxies proxies(const std::vector<std::string>& cidrs) {
  auto p = trusted_proxies::parse(cidrs);
  REQUIRE(p.has_value());
  return std::move(*p);
}

}  // namespace

TEST_CASE("trusted proxy networks parse and match by prefix", "[unit][ingest]") {
  const auto p = proxies({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "172.16.0.0/12"});
  CHECK(p.contains("10.255.3.4"));
  CHECK(p.contains("::ffff:10.1.2.3"));
  CHECK(p.contains("192.0.2.7"));
  CHECK_FALSE(p.contains("192.0.2.8"));
  CHECK(p.contains("2001:db8:ffff::1"));
  CHECK_FALSE(p.contains("2001:db9::1"));
  CHECK(p.contains("172.31.255.255"));
  CHECK_FALSE(p.contains("172.32.0.0"));
  CHECK_FALSE(p.contains("11.0.0.1"));
  CHECK_FALSE(p.contains("not an address"));
  CHECK(proxies({"0.0.0.0/0"}).contains("203.0.113.1"));
  for (const std::string bad :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::/129", "proxy", "", "10.0.0.0/8x"}) {
    INFO(bad);
    const auto r = trusted_proxies::parse({bad});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == gg::errc::config);
  }
}

TEST_CASE("without trusted proxies the forwarding headers are ignored", "[unit][ingest]") {
  const trusted_proxies none;
  const auto h = fields({{"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=198.51.100.1"}});
  CHECK(none.client_address("127.0.0.1", h) == "127.0.0.1");
}

TEST_CASE("a spoofed X-Forwarded-For from an untrusted peer is ignored", "[unit][ingest]") {
  const auto p = proxies({"10.0.0.0/8"});
  CHECK(p.client_address("203.0.113.50", fields({{"X-Forwarded-For", "1.2.3.4"}})) ==
        "203.0.113.50");
}

TEST_CASE("the client is the rightmost hop that is not a trusted proxy", "[unit][ingest]") {
  const auto p = proxies({"10.0.0.0/8", "192.0.2.0/24"});
  // The client prepended a forged hop; the proxies appended the real ones.
  CHECK(p.client_address("10.0.0.1",
                         fields({{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 192.0.2.5"}})) ==
        "203.0.113.9");
  // Several fields are one list, in order.
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For", "6.6.6.6"},
                                             {"X-Forwarded-For", "198.51.100.4, 10.9.9.9"}})) ==
        "198.51.100.4");
  // Every hop trusted: the leftmost is the client.
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For", "10.1.1.1, 192.0.2.9"}})) ==
        "10.1.1.1");
  // Garbage ends the walk at the trusted hop that reported it.
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For", "1.1.1.1, garbage"}})) ==
        "10.0.0.1");
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For",
                                              "1.1.1.1, garbage, 192.0.2.5"}})) == "192.0.2.5");
  // No header: the proxy itself.
  CHECK(p.client_address("10.0.0.1", fields({})) == "10.0.0.1");
  // Ports and brackets are stripped.
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For", "203.0.113.9:4711"}})) ==
        "203.0.113.9");
  CHECK(p.client_address("10.0.0.1", fields({{"X-Forwarded-For", "[2001:db8:1::5]:443"}})) ==
        "2001:db8:1::5");
}

TEST_CASE("Forwarded's for= parameters are read and preferred over X-Forwarded-For",
          "[unit][ingest]") {
  const auto p = proxies({"10.0.0.0/8"});
  const auto h =
      fields({{"X-Forwarded-For", "6.6.6.6"},
              {"Forwarded", R"(for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, )"
                            R"(For=10.2.3.4;by=10.0.0.1)"}});
  CHECK(p.client_address("10.0.0.1", h) == "2001:db8:cafe::17");
  CHECK(p.client_address("10.0.0.1", fields({{"Forwarded", "for=unknown"}})) == "10.0.0.1");
  CHECK(p.client_address("10.0.0.1", fields({{"Forwarded", "proto=https;for=192.0.2.60"}})) ==
        "192.0.2.60");
}

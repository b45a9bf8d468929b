#include <gadgetgrove/core/host_port.hpp>

#include <catch2/catch.hpp>

TEST_CASE("HOST:PORT parses names, IPv4 and bracketed IPv6", "[unit][core]") {
  auto a = gg::parse_host_port("0.0.0.0:8000");
  REQUIRE(a.has_value());
  CHECK(a->host == "0.0.0.0");
  CHECK(a->port == 8000);
  auto b = gg::parse_host_port("[::1]:0");
  REQUIRE(b.has_value());
  CHECK(b->host == "::1");
  CHECK(b->port == 0);
  CHECK(b->to_string() == "[::1]:0");
  auto c = gg::parse_host_port("localhost:65535");
  REQUIRE(c.has_value());
  CHECK(c->to_string() == "localhost:65535");
}

TEST_CASE("HOST:PORT refuses a missing host, a missing port and ports out of range",
          "[unit][core]") {
  CHECK(gg::parse_host_port(":8000").error().message == "expected HOST:PORT, got ':8000'");
  CHECK(gg::parse_host_port("localhost").error().message == "expected HOST:PORT, got 'localhost'");
  CHECK(gg::parse_host_port("[::1").error().code == gg::errc::config);
  CHECK(gg::parse_host_port("[::1]x80").error().code == gg::errc::config);
  for (const char* bad : {"h:", "h:65536", "h:-1", "h:8o", "h: 80", "h:123456"}) {
    INFO(bad);
    const auto r = gg::parse_host_port(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "invalid port in '" + std::string(bad) + "'");
  }
}

TEST_CASE("with a default port, HOST alone is enough", "[unit][core]") {
  auto a = gg::parse_host_port("example.org", 80);
  REQUIRE(a.has_value());
  CHECK(a->host == "example.org");
  CHECK(a->port == 80);
  auto b = gg::parse_host_port("[::1]", 80);
  REQUIRE(b.has_value());
  CHECK(b->host == "::1");
  CHECK(b->port == 80);
  CHECK(gg::parse_host_port("example.org:8080", 80)->port == 8080);
}

TEST_CASE("only localhost, 127.0.0.0/8 and ::1 count as loopback", "[unit][core]") {
  for (const char* yes : {"localhost", "LocalHost", "localhost.", "127.0.0.1", "127.255.0.9", "::1",
                          "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    INFO(yes);
    CHECK(gg::is_loopback_host(yes));
  }
  for (const char* no : {"", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "126.255.255.255", "::2",
                         "::127.0.0.1", "::ffff:10.0.0.1", "localhost.example.org", "localhostx",
                         "example.org", "127.0.0.1.example.org", "[::1]", "fe80::1"}) {
    INFO(no);
    CHECK_FALSE(gg::is_loopback_host(no));
  }
}

#include <gadgetgrove/core/node_id.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

TEST_CASE("a node id is 1 to 63 letters, digits, dots, underscores and dashes", "[unit][core]") {
  for (const char* ok : {"a", "web-1", "ingest_2.eu-west", "Host.Example.COM", "0"}) {
    INFO(ok);
    CHECK(gg::check_node_id(ok));
  }
  CHECK(gg::check_node_id(std::string(63, 'n')));
  CHECK(gg::check_node_id("").error().message == "a node id cannot be empty");
  const auto long_id = gg::check_node_id(std::string(64, 'n'));
  REQUIRE_FALSE(long_id);
  CHECK(long_id.error().code == gg::errc::config);
  CHECK(long_id.error().message.find("longer than 63 characters") != std::string::npos);
  for (const char* bad : {"a/b", "a:1", "a b", "ä", "a\"b", "a,b", "a=b", "a\nb"}) {
    INFO(bad);
    const auto r = gg::check_node_id(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == gg::errc::config);
  }
  CHECK(gg::check_node_id("node:7").error().message ==
        "node id 'node:7' holds ':': use letters, digits, '.', '_' and '-'");
}

TEST_CASE("the default node id is the host name", "[unit][core]") {
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(gg::default_node_id() == std::string(host));
}

TEST_CASE("a process name is the node id and the pid, and parses back", "[unit][core]") {
  const std::string name = gg::process_name("web-1");
  CHECK(name == "web-1:" + std::to_string(::getpid()));
  const auto parts = gg::parse_process_name(name);
  REQUIRE(parts);
  CHECK(parts->node_id == "web-1");
  CHECK(parts->pid == ::getpid());
  // The last ':' splits, so a name recorded by an older version under an IPv6-ish host parses.
  const auto odd = gg::parse_process_name("a:b:42");
  REQUIRE(odd);
  CHECK(odd->node_id == "a:b");
  CHECK(odd->pid == 42);
  for (const char* bad :
       {"web-1", ":42", "web-1:", "web-1:0", "web-1:-3", "web-1:4x", "web-1:1234567890"}) {
    INFO(bad);
    CHECK_FALSE(gg::parse_process_name(bad));
  }
}

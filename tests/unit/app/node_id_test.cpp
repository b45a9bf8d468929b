#include "node_id.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

TEST_CASE("a node id is letters, digits, dots, underscores and dashes, up to 63 characters",
          "[unit][app]") {
  for (const char* id : {"web-1", "ingest.eu-west_2", "A", "0node", "ip-10-0-0-1.ec2.internal"}) {
    INFO(id);
    CHECK(gg::app::check_node_id(id));
  }
  CHECK(gg::app::check_node_id(std::string(63, 'n')));
}

TEST_CASE("a node id that could collide or break a name is rejected, saying why", "[unit][app]") {
  struct bad {
    std::string id;
    std::string why;
  };
  for (const auto& [id, why] : std::vector<bad>{{"", "empty"},
                                                {std::string(64, 'n'), "longer than 63"},
                                                {"-web", "start with"},
                                                {".hidden", "start with"},
                                                {"web 1", "only letters"},
                                                {"web/1", "only letters"},
                                                {"web:1", "only letters"},
                                                {"wéb", "only letters"},
                                                {"web\n1", "only letters"}}) {
    auto st = gg::app::check_node_id(id);
    INFO(id);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == gg::errc::invalid_input);
    CHECK(st.error().message.find(why) != std::string::npos);
  }
}

TEST_CASE("the host name is the default node id and never empty", "[unit][app]") {
  CHECK_FALSE(gg::app::host_name().empty());
}

}  // namespace

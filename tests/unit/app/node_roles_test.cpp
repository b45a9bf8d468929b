#include "node_roles.hpp"

#include "pipeline_flows.hpp"

#include <catch2/catch.hpp>

namespace {

using gg::app::node_role;
using gg::app::node_roles;

TEST_CASE("all is every role and prints as all", "[unit][app]") {
  auto r = node_roles::parse("all");
  REQUIRE(r.has_value());
  CHECK(*r == node_roles::all());
  CHECK(r->is_all());
  for (node_role role : {node_role::ingest, node_role::loader, node_role::web}) {
    CHECK(r->has(role));
  }
  CHECK(r->to_string() == "all");
}

TEST_CASE("roles combine with commas, in any order, a repeat counting once", "[unit][app]") {
  auto r = node_roles::parse("web, ingest,web");
  REQUIRE(r.has_value());
  CHECK(r->has(node_role::ingest));
  CHECK(r->has(node_role::web));
  CHECK_FALSE(r->has(node_role::loader));
  CHECK_FALSE(r->is_all());
  CHECK(r->to_string() == "ingest,web");
  auto every = node_roles::parse("loader,web,ingest");
  REQUIRE(every.has_value());
  CHECK(*every == node_roles::all());
  CHECK(every->to_string() == "all");
  auto one = node_roles::parse("loader");
  REQUIRE(one.has_value());
  CHECK(one->to_string() == "loader");
}

TEST_CASE("an unknown or empty role is rejected, naming it", "[unit][app]") {
  for (const char* text : {"", "ingest,", ",web", "ingest,,web", "Ingest", "all,web", "db"}) {
    auto r = node_roles::parse(text);
    INFO(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == gg::errc::invalid_input);
  }
  CHECK(node_roles::parse("ingest,db").error().message.find("'db'") != std::string::npos);
}

TEST_CASE("each pipeline flow runs on the nodes of its role", "[unit][app]") {
  auto roles = [](const char* text) { return *node_roles::parse(text); };
  CHECK(gg::app::runs_on("load", roles("loader")));
  CHECK_FALSE(gg::app::runs_on("load", roles("ingest,web")));
  CHECK(gg::app::runs_on("transform", roles("web")));
  CHECK_FALSE(gg::app::runs_on("transform", roles("ingest,loader")));
  CHECK(gg::app::runs_on("cleanup", roles("web")));
  CHECK(gg::app::runs_on("cleanup", roles("loader")));
  CHECK_FALSE(gg::app::runs_on("cleanup", roles("ingest")));
  CHECK(gg::app::runs_on("traffic", roles("ingest")));
  CHECK_FALSE(gg::app::runs_on("traffic", roles("loader,web")));
  for (const char* flow : {"load", "transform", "cleanup", "traffic"}) {
    CHECK(gg::app::runs_on(flow, node_roles::all()));
  }
}

}  // namespace

#include "project/graph.hpp"

#include <catch2/catch.hpp>

using gg::transform::graph;
using gg::transform::node;
using gg::transform::node_kind;

namespace {

node make(std::string id, std::vector<std::string> deps, std::string file = "") {
  node n;
  n.unique_id = std::move(id);
  n.kind = node_kind::model;
  n.depends_on = std::move(deps);
  n.original_file_path = std::move(file);
  return n;
}

}  // namespace

TEST_CASE("graph order puts parents first and breaks ties by unique id", "[unit][transform]") {
  const std::vector<node> nodes = {make("model.p.d", {"model.p.b", "model.p.c"}),
                                   make("model.p.c", {"model.p.a"}),
                                   make("model.p.b", {"model.p.a"}),
                                   make("model.p.a", {}),
                                   make("model.p.z", {}),
                                   make("model.p.e", {})};
  auto g = graph::build(nodes);
  REQUIRE(g.has_value());
  CHECK(g->order() == std::vector<std::string>{"model.p.a", "model.p.b", "model.p.c", "model.p.d",
                                               "model.p.e", "model.p.z"});
  CHECK(g->parents("model.p.d") == std::vector<std::string>{"model.p.b", "model.p.c"});
  CHECK(g->children("model.p.a") == std::vector<std::string>{"model.p.b", "model.p.c"});
  CHECK(g->descendants("model.p.a") ==
        std::vector<std::string>{"model.p.b", "model.p.c", "model.p.d"});
  CHECK(g->descendants("model.p.a", 1) == std::vector<std::string>{"model.p.b", "model.p.c"});
  CHECK(g->ancestors("model.p.d") ==
        std::vector<std::string>{"model.p.a", "model.p.b", "model.p.c"});
  CHECK(g->ancestors("model.p.d", 1) == std::vector<std::string>{"model.p.b", "model.p.c"});
  CHECK(g->parents("model.p.nothing").empty());
}

TEST_CASE("the order of a graph does not depend on the order nodes are given in",
          "[unit][transform]") {
  std::vector<node> nodes = {make("model.p.c", {"model.p.a"}), make("model.p.b", {}),
                             make("model.p.a", {})};
  auto g1 = graph::build(nodes);
  std::reverse(nodes.begin(), nodes.end());
  auto g2 = graph::build(nodes);
  REQUIRE(g1.has_value());
  REQUIRE(g2.has_value());
  CHECK(g1->order() == g2->order());
  CHECK(g1->order() == std::vector<std::string>{"model.p.a", "model.p.b", "model.p.c"});
}

TEST_CASE("a cycle is an error naming the chain with its files", "[unit][transform]") {
  const std::vector<node> nodes = {make("model.p.a", {"model.p.c"}, "models/a.sql"),
                                   make("model.p.b", {"model.p.a"}, "models/b.sql"),
                                   make("model.p.c", {"model.p.b"}, "models/c.sql"),
                                   make("model.p.x", {}, "models/x.sql")};
  auto g = graph::build(nodes);
  REQUIRE_FALSE(g.has_value());
  const std::string& m = g.error().message;
  INFO(m);
  CHECK(m.find("dependency cycle") != std::string::npos);
  CHECK(m.find("model.p.a (models/a.sql) -> model.p.b (models/b.sql) -> model.p.c (models/c.sql) "
               "-> model.p.a (models/a.sql)") != std::string::npos);
  CHECK(m.find("model.p.x") == std::string::npos);
}

TEST_CASE("a node depending on itself is a cycle", "[unit][transform]") {
  auto g = graph::build({make("model.p.a", {"model.p.a"}, "models/a.sql")});
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().message.find("model.p.a (models/a.sql) -> model.p.a (models/a.sql)") !=
        std::string::npos);
}

TEST_CASE("a dependency on an unknown node is an error", "[unit][transform]") {
  auto g = graph::build({make("model.p.a", {"model.p.ghost"}, "models/a.sql")});
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().message.find("model.p.ghost") != std::string::npos);
}

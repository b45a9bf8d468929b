#include "project/output.hpp"

#include "project/selector.hpp"
#include "project/synthetic_project.hpp"
#include "project_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using gg::transform::load_options;
using gg::transform::project;

namespace {

load_options no_env() {
  load_options o;
  o.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  return o;
}

}  // namespace

TEST_CASE("ls prints unique ids, names or paths in graph order", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  auto ids = gg::transform::select(*p, {{"+orders,resource_type:model"}, {}, false});
  REQUIRE(ids.has_value());
  CHECK(gg::transform::ls_output(*p, *ids) ==
        "model.jaffle_shop.stg_orders\nmodel.jaffle_shop.stg_payments\n"
        "model.jaffle_shop.int_order_payments\nmodel.jaffle_shop.orders\n");
  CHECK(gg::transform::ls_output(*p, *ids, gg::transform::ls_format::name) ==
        "stg_orders\nstg_payments\nint_order_payments\norders\n");
  CHECK(gg::transform::ls_output(*p, {"source.jaffle_shop.jaffle_raw.orders"},
                                 gg::transform::ls_format::name) == "jaffle_raw.orders\n");
  CHECK(
      gg::transform::ls_output(*p, {"model.jaffle_shop.orders"}, gg::transform::ls_format::path) ==
      "models/marts/core/orders.sql\n");
}

TEST_CASE("graph prints DOT with the edges between the selected nodes", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  const std::string dot =
      gg::transform::graph_dot(*p, {"source.jaffle_shop.jaffle_raw.orders",
                                    "model.jaffle_shop.stg_orders", "model.jaffle_shop.orders"});
  INFO(dot);
  CHECK(dot.starts_with("digraph \"jaffle_shop\" {"));
  CHECK(dot.find("\"source.jaffle_shop.jaffle_raw.orders\" -> \"model.jaffle_shop.stg_orders\";") !=
        std::string::npos);
  CHECK(dot.find("\"model.jaffle_shop.stg_orders\" -> \"model.jaffle_shop.orders\";") !=
        std::string::npos);
  // int_order_payments is not selected: no node and no edge for it.
  CHECK(dot.find("int_order_payments") == std::string::npos);
  CHECK(dot.find("shape=ellipse") != std::string::npos);
  CHECK(dot.ends_with("}\n"));
}

TEST_CASE("compile output heads each node's SQL with its id and path", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  auto out = gg::transform::compile_output(
      *p, {"source.jaffle_shop.jaffle_raw.orders", "model.jaffle_shop.stg_orders"});
  REQUIRE(out.has_value());
  CHECK(out->starts_with("-- model.jaffle_shop.stg_orders (models/staging/stg_orders.sql)\n"));
  CHECK(out->find("from \"raw_jaffle\".\"orders\"") != std::string::npos);
}

TEST_CASE("a generated 500-model project loads and every node compiles", "[unit][transform]") {
  gg::test::temp_dir dir;
  const std::uint64_t seed = std::getenv("GG_TEST_SEED") != nullptr
                                 ? std::strtoull(std::getenv("GG_TEST_SEED"), nullptr, 10)
                                 : 42;
  INFO("seed " << seed << " (set GG_TEST_SEED to reproduce)");
  REQUIRE(gg::transform::write_synthetic_project(dir.path(), 500, seed).has_value());
  auto p = project::load(dir.path(), no_env());
  if (!p) FAIL(p.error().message);
  std::size_t models = 0;
  std::size_t tests = 0;
  for (const auto& n : p->nodes()) {
    if (n.kind == gg::transform::node_kind::model) ++models;
    if (n.kind == gg::transform::node_kind::test) ++tests;
    if (n.kind == gg::transform::node_kind::source) continue;
    auto c = gg::transform::compile(*p, n);
    if (!c) FAIL(c.error().message);
    CHECK_FALSE(c->sql.empty());
  }
  CHECK(models == 500);
  CHECK(tests > 500);
  CHECK(p->find_model("stg_model_0000")->relation.schema == "staging");
  CHECK(p->find_model("mart_model_0000")->relation.schema == "marts");
}

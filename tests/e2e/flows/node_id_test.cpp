// --node-id through the built binary: serve.json, /metrics, the start-up log, the ledger keys
// and the run history name the node; an invalid id stops start-up with exit 2.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "metric_sample.hpp"

#include <gadgetgrove/core/serve_info.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;

// "run <uuid> of <flow> ..." as `gadgetgrove run` prints it.
std::string run_id_of(const std::string& out) {
  const auto at = out.find("run ");
  if (at == std::string::npos) return {};
  const auto end = out.find(' ', at + 4);
  return out.substr(at + 4, end - at - 4);
}

}  // namespace

TEST_CASE("serve --node-id names the node in serve.json, /metrics, the ledger and the run history",
          "[e2e][flows][app]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-node-id");
  const auto data = dir / "data";
  gg::test::serve_process serve(
      data, e2e::serve_args(db, {"--node-id", "shop-e2e.1", "--transform-on-load", "off"}));
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  INFO(why);
  REQUIRE(ready);
  const int pid = serve.endpoints().pid;

  const auto info = gg::read_serve_info(data);
  REQUIRE(info.has_value());
  CHECK(info->node == "shop-e2e.1");
  CHECK(info->pid == pid);

  gg::test::http_client admin(serve.endpoints().admin_port);
  const auto metrics = admin.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(gg::test::metric_sample(metrics.body,
                                R"(gadgetgrove_node_info{node="shop-e2e.1",roles="all"})") == 1);
  CHECK(serve.log().find(R"("node":"shop-e2e.1")") != std::string::npos);

  REQUIRE(e2e::post_page_view(serve.endpoints().public_port, "node-id-session") == 200);
  REQUIRE(gg::test::eventually(
      [&] { return e2e::count(conn, "select count(*) from raw_data.page_views") == 1; }, 20s, 20ms,
      "the event loaded"));
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.loaded_segments where segment like "
                   "'page\\_views/shop-e2e.1/%.jsonl'") == 1);

  auto load = e2e::cli({"run", "load", "--data-dir", data.string()}, dir.path());
  REQUIRE(load.status == 0);
  const std::string id = run_id_of(load.out);
  REQUIRE(id.size() == 36);
  CHECK(e2e::cell(conn, "select node from pipeline.flow_runs where id = '" + id + "'") ==
        "shop-e2e.1:" + std::to_string(pid));
}

TEST_CASE("an invalid --node-id stops serve at start-up with exit 2", "[e2e][flows][app]") {
  gg::test::temp_dir dir("gg-e2e-node-id-bad");
  auto bad = e2e::cli(
      {"serve", "--data-dir", (dir / "data").string(), "--node-id", "shop/1", "--traffic", "off"},
      dir.path(), 30s);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--node-id") != std::string::npos);
}

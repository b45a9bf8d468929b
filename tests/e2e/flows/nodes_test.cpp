// Flows across nodes through the built binary: two serve processes with their own node ids on
// one database run each scheduled fire once and a flow on one node at a time, the run history
// names the node, and killing the node that holds a run lets the other take the flow over.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <memory>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;

void require_ready(gg::test::serve_process& serve) {
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  INFO(why);
  REQUIRE(ready);
}

// Pairs of transform runs whose running times overlap (a run still going counts until now).
const char* overlapping_runs =
    "select count(*) from pipeline.flow_runs a join pipeline.flow_runs b on a.id < b.id "
    "where a.flow = 'transform' and b.flow = 'transform' and a.started_at is not null and "
    "b.started_at is not null and a.started_at < coalesce(b.ended_at, now()) and "
    "b.started_at < coalesce(a.ended_at, now())";

}  // namespace

TEST_CASE("two nodes run a flow one at a time, each fire once, and a killed holder is taken over",
          "[e2e][flows][slow]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-flows-nodes");
  const auto slow = e2e::project_with_model(
      dir.path(), "slow", "slow_model",
      "{{ config(materialized='table') }}\nselect 1 as one from (select pg_sleep(2)) s\n");
  auto args = [&](const std::string& node) {
    return e2e::serve_args(
        db, {"--role", "web", "--node-id", node, "--transform-project", slow.string(),
             "--transform-schedule", "every 1s", "--flow-retry-delay", "1s"});
  };
  std::map<std::string, std::unique_ptr<gg::test::serve_process>> nodes;
  for (const std::string node : {"node-a", "node-b"}) {
    nodes[node] = std::make_unique<gg::test::serve_process>(dir / node, args(node));
  }
  for (auto& [name, serve] : nodes) require_ready(*serve);

  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                          "state = 'completed'") >= 4;
      },
      90s, 50ms, "four completed transform runs"));
  CHECK(e2e::count(conn, overlapping_runs) == 0);
  CHECK(e2e::count(conn,
                   "select count(*) from (select scheduled_for from pipeline.flow_runs where "
                   "flow = 'transform' and trigger = 'schedule' group by 1 having count(*) > 1) "
                   "d") == 0);
  // Every run names the node (and its process) that ran it.
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                   "started_at is not null and node !~ '^node-[ab]:[0-9]+$'") == 0);

  // Kill the node holding a running transform run: the other takes the flow over once the
  // holder's lease has expired or its lock is gone, and the killed run is marked crashed.
  std::string held_id, holder;
  REQUIRE(gg::test::eventually(
      [&] {
        held_id = e2e::cell(conn,
                            "select coalesce(max(id::text), '') from pipeline.flow_runs where "
                            "flow = 'transform' and state = 'running'");
        if (held_id.empty()) return false;
        holder = e2e::cell(conn,
                           "select split_part(node, ':', 1) from pipeline.flow_runs "
                           "where id = '" +
                               held_id + "'");
        return true;
      },
      30s, 20ms, "a running transform run"));
  REQUIRE(nodes.count(holder) == 1);
  const std::string survivor = holder == "node-a" ? "node-b" : "node-a";
  nodes[holder]->process().signal(SIGKILL);
  REQUIRE(nodes[holder]->process().wait(10s).has_value());
  const std::string killed_at = e2e::cell(conn, "select now()::text");

  const std::string where = " from pipeline.flow_runs where id = '" + held_id + "'";
  REQUIRE(gg::test::eventually([&] { return e2e::cell(conn, "select state" + where) == "crashed"; },
                               60s, 50ms, "the killed node's run marked crashed"));
  CHECK(e2e::cell(conn, "select error" + where).find(holder) != std::string::npos);
  REQUIRE(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from pipeline.flow_runs where flow = "
                          "'transform' and state = 'completed' and node like '" +
                              survivor + ":%' and started_at > '" + killed_at + "'::timestamptz") >=
               2;
      },
      60s, 50ms, "the surviving node running the flow"));
  // The killed run's recorded end is when it was found dead, not when it stopped.
  CHECK(e2e::count(conn, std::string(overlapping_runs) +
                             " and a.state <> 'crashed' and b.state <> 'crashed'") == 0);
}

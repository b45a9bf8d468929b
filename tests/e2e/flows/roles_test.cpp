// --role through the built binary: two serve processes on one database, one an ingest node and
// one a loader and web node, each running only its roles' listeners and flows; and a web-only
// node whose event-driven transform hears of another node's loads.

#include "flows_e2e_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
namespace e2e = gg::test::flows_e2e;

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

void require_ready(gg::test::serve_process& serve) {
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  INFO(why);
  REQUIRE(ready);
}

}  // namespace

TEST_CASE("an ingest node and a loader and web node split the pipeline between them",
          "[e2e][flows][app]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-e2e-roles");
  gg::test::serve_process ingest(dir / "ingest", e2e::serve_args(db, {"--role", "ingest"}));
  gg::test::serve_process back(dir / "back", e2e::serve_args(db, {"--role", "loader, web"}));
  require_ready(ingest);
  require_ready(back);

  // The ingest node takes events on its public listener, and has no pipeline page or flows
  // of the other roles.
  REQUIRE(ingest.endpoints().public_port != 0);
  CHECK(e2e::post_page_view(ingest.endpoints().public_port, "roles-session") == 200);
  gg::test::http_client ingest_admin(ingest.endpoints().admin_port);
  CHECK(ingest_admin.get("/readyz").status == 200);
  CHECK(ingest_admin.get("/api/flows").status == 404);
  CHECK(ingest_admin.get("/pipeline").status == 404);
  CHECK(has(ingest.log(), R"("role":"ingest")"));

  // The loader,web node opens no public listener and runs load, transform and cleanup.
  CHECK(back.endpoints().public_port == 0);
  gg::test::http_client back_admin(back.endpoints().admin_port);
  const auto ready = back_admin.get("/readyz");
  CHECK(ready.status == 200);
  CHECK_FALSE(has(ready.body, R"("ingest":)"));
  const auto flows = back_admin.get("/api/flows");
  REQUIRE(flows.status == 200);
  for (const char* flow : {"load", "transform", "cleanup"}) {
    CHECK(has(flows.body, fmt::format(R"("name":"{}")", flow)));
  }
  CHECK_FALSE(has(flows.body, R"("name":"traffic")"));
  CHECK(back_admin.get("/pipeline").status == 200);
  CHECK(has(back.log(), R"("role":"loader,web")"));
}

TEST_CASE("a load on another node triggers the transform on a web-only node", "[e2e][flows][app]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  gg::test::temp_dir dir("gg-e2e-roles-notice");
  gg::test::serve_process front(
      dir / "front", e2e::serve_args(db, {"--role", "ingest, loader", "--node-id", "front"}));
  // Its schedule is a day away: only a load notice can make it run in time.
  gg::test::serve_process web(
      dir / "web",
      e2e::serve_args(db, {"--role", "web", "--node-id", "web", "--transform-project",
                           e2e::shipped_project().string(), "--transform-schedule", "every 24h"}));
  require_ready(front);
  require_ready(web);
  INFO(web.log());
  gg::test::http_client web_admin(web.endpoints().admin_port);
  const auto ready = web_admin.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(has(ready.body, R"("load-notices")"));
  REQUIRE(e2e::wait_flow_idle(conn, "transform", 60s));

  const std::string session = "notice-" + std::to_string(::getpid());
  REQUIRE(e2e::post_page_view(front.endpoints().public_port, session) == 200);
  CHECK(gg::test::eventually(
      [&] {
        return e2e::count(conn,
                          "select count(*) from analytics.session_summary where "
                          "session_id = '" +
                              session + "'") == 1;
      },
      20s, 50ms, "the session in analytics.session_summary"));
  // Loaded by the front node, transformed by an event run of the web node.
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                   "trigger = 'event' and node like 'web:%' and parameters->>'select' like "
                   "'%source:raw_data.page_views+%'") >= 1);
  CHECK(e2e::count(conn,
                   "select count(*) from pipeline.flow_runs where flow = 'transform' and "
                   "node like 'front:%'") == 0);
}

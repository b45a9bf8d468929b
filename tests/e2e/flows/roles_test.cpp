// --role through the built binary: two serve processes on one database, one an ingest node and
// one a loader and web node, each running only its roles' listeners and flows.

#include "flows_e2e_support.hpp"

#include "http_client.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

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

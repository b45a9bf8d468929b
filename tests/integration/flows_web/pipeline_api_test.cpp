// The flows' JSON API on the admin listener, through the built binary and its embedded
// PostgreSQL: what each route answers, its errors, paging, and a manual run followed to its end.

#include "eventually.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using gg::test::http_client;
using gg::test::serve_process;
using gg::test::temp_dir;

namespace {

void require_ready(serve_process& serve) {
  std::string why;
  const bool ready = serve.wait_ready(60s, &why);
  if (!ready) FAIL(why);
}

// A Bearer token skips CSRF (it is not an ambient credential), which keeps the calls short.
const std::pair<std::string, std::string> bearer{"Authorization", "Bearer api-test-token"};

std::string field(const std::string& body, const char* path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return "<not json>";
  std::string_view v;
  if (doc.at_pointer(path).get_string().get(v)) return "<missing>";
  return std::string(v);
}

std::size_t array_size(const std::string& body, const char* path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return 0;
  simdjson::dom::array a;
  if (doc.at_pointer(path).get_array().get(a)) return 0;
  return a.size();
}

}  // namespace

TEST_CASE("the flows API lists flows, runs a flow by hand and shows the run with its artifacts",
          "[integration][flows_web]") {
  temp_dir dir("gg-pipeline-api");
  serve_process serve(dir / "data", {"--traffic", "off"},
                      {{"GADGETGROVE_ADMIN_TOKEN", "api-test-token"}});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);

  const auto flows = admin.get("/api/flows", {bearer});
  REQUIRE(flows.status == 200);
  CHECK(field(flows.body, "/flows/0/name") == "load");
  CHECK(field(flows.body, "/flows/0/schedule") == "every 60s");
  CHECK(flows.body.find(R"("name":"transform")") != std::string::npos);
  CHECK(flows.body.find(R"("name":"cleanup")") != std::string::npos);

  const auto started =
      admin.post("/api/flows/load/run", R"({"parameters":{}})", "application/json", {bearer});
  REQUIRE(started.status == 202);
  const std::string id = field(started.body, "/run_id");
  REQUIRE(id.size() == 36);

  std::string detail;
  const bool done = gg::test::eventually(
      [&] {
        auto r = admin.get("/api/runs/" + id, {bearer});
        detail = r.body;
        return r.status == 200 && field(detail, "/run/state") == "completed";
      },
      30s, 50ms, "the manual load run to complete");
  REQUIRE(done);
  CHECK(field(detail, "/run/trigger") == "manual");
  CHECK(field(detail, "/run/flow") == "load");
  CHECK(field(detail, "/tasks/0/task") == "load");
  CHECK(field(detail, "/tasks/0/state") == "completed");
  CHECK(field(detail, "/artifacts/0/key") == "ingestion-summary");
  CHECK(array_size(detail, "/logs") >= 1);

  const auto listed = admin.get("/api/runs?flow=load&state=completed&limit=500", {bearer});
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(id) != std::string::npos);
  CHECK(listed.body.find(R"("flow":"transform")") == std::string::npos);

  // Paging: one run per page, the second page starts below the first.
  const auto page1 = admin.get("/api/runs?limit=1", {bearer});
  REQUIRE(page1.status == 200);
  REQUIRE(array_size(page1.body, "/runs") == 1);
  const std::string cursor = field(page1.body, "/next_before");
  REQUIRE(cursor.size() == 36);
  const auto page2 = admin.get("/api/runs?limit=1&before=" + cursor, {bearer});
  REQUIRE(page2.status == 200);
  CHECK(field(page2.body, "/runs/0/id") < cursor);
}

TEST_CASE("the flows API answers bad requests with a clear error and the right status",
          "[integration][flows_web]") {
  temp_dir dir("gg-pipeline-api-errors");
  serve_process serve(dir / "data", {"--traffic", "off"},
                      {{"GADGETGROVE_ADMIN_TOKEN", "api-test-token"}});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);

  auto unknown_flow = admin.post("/api/flows/nope/run", "{}", "application/json", {bearer});
  CHECK(unknown_flow.status == 404);
  CHECK(field(unknown_flow.body, "/error").find("nope") != std::string::npos);

  CHECK(admin.post("/api/flows/load/run", "{not json", "application/json", {bearer}).status == 400);
  CHECK(admin.post("/api/flows/load/run", "[]", "application/json", {bearer}).status == 400);
  auto wrong_type = admin.post("/api/flows/load/run", R"({"parameters":{"replay_rejects":true}})",
                               "application/json", {bearer});
  CHECK(wrong_type.status == 400);
  CHECK(field(wrong_type.body, "/error") == "parameters.replay_rejects must be a string");
  CHECK(
      admin.post("/api/flows/load/run", R"({"params":{}})", "application/json", {bearer}).status ==
      400);

  auto bad_state = admin.get("/api/runs?state=bogus", {bearer});
  CHECK(bad_state.status == 400);
  CHECK(field(bad_state.body, "/error") == "state: not a run state: bogus");
  CHECK(admin.get("/api/runs?limit=0", {bearer}).status == 400);
  CHECK(admin.get("/api/runs?limit=501", {bearer}).status == 400);
  CHECK(admin.get("/api/runs?limit=ten", {bearer}).status == 400);
  CHECK(admin.get("/api/runs?before=not-a-uuid", {bearer}).status == 400);

  CHECK(admin.get("/api/runs/not-a-uuid", {bearer}).status == 404);
  CHECK(admin.get("/api/runs/01a24341-7cbc-707b-95b6-d30b24ad542d", {bearer}).status == 404);
  CHECK(admin.get("/api/flows/load/run", {bearer}).status == 405);
}

// Runs `gadgetgrove serve` with an admin password (the browser signs in with HTTP Basic) and a
// token (this test's own API calls), makes a load run, stores a hostile Markdown artifact under
// it in serve's database, then drives the pipeline page through pipeline_flow.mjs in headless
// Chromium and checks that the run it started with "Run now" is in the run history.
//
// Needs: node, /usr/bin/chromium (or CHROMIUM_PATH), and playwright-core (installed with
// `npm ci` from package-lock.json when missing). Screenshots go to GG_E2E_SCREENSHOT_DIR when
// set, else to console-screenshots/ in the build directory.

#include "browser_support.hpp"
#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::test::http_client;

constexpr const char* admin_password = "pipeline-pa55";
constexpr const char* admin_token = "pipeline-t0ken";

const gg::test::http_fields bearer{{"Authorization", std::string{"Bearer "} + admin_token}};

std::string text(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string{v} : std::string{};
}

// Markup an artifact could carry, from a compromised or careless task: all of it must show as
// text. The link and the table check that real Markdown still renders.
constexpr std::string_view hostile_markdown =
    "# Hostile <i>report</i>\n\n"
    "<script>window.__pwned = 1</script>\n\n"
    "<img src=x onerror=\"window.__pwned = 2\">\n\n"
    "[click](javascript:window.__pwned=3) and [docs](https://example.com/docs)\n\n"
    "| name | value |\n|---|---|\n| <b>cell</b> | <svg onload=\"window.__pwned=4\"> |\n";

}  // namespace

TEST_CASE("the pipeline page lists flows and runs, shows artifacts safely and runs a flow",
          "[e2e][console][browser]") {
  const std::string node = gg::test::find_program("node");
  REQUIRE(!node.empty());
  gg::test::temp_dir tmp("gg-e2e-pipeline");
  const fs::path logs = tmp / "logs";
  fs::create_directories(logs);
  const std::string npm = gg::test::install_browser_client(logs);
  INFO(npm);
  REQUIRE(npm.empty());

  gg::test::serve_process serve(tmp / "data", {"--traffic", "off", "--admin-password",
                                               admin_password, "--admin-token", admin_token});
  std::string why;
  if (!serve.wait_ready(60s, &why)) FAIL(why);
  http_client admin(serve.endpoints().admin_port);
  simdjson::dom::parser parser;

  // A load run of our own, finished, with its ingestion summary.
  const auto started = admin.post("/api/flows/load/run", "{}", "application/json", bearer);
  INFO(started.body);
  REQUIRE(started.status == 202);
  simdjson::dom::element answer;
  REQUIRE(parser.parse(started.body).get(answer) == simdjson::SUCCESS);
  const std::string load_run = text(answer, "run_id");
  REQUIRE(load_run.size() == 36);
  std::string state;
  std::string detail;
  const bool done = gg::test::eventually(
      [&] {
        detail = admin.get("/api/runs/" + load_run, bearer).body;
        simdjson::dom::element d;
        if (parser.parse(detail).get(d) != simdjson::SUCCESS) return false;
        state = text(d["run"].value_unsafe(), "state");
        return state == "completed" || state == "failed" || state == "crashed";
      },
      60s, 100ms, "the load run to finish");
  INFO(detail);
  REQUIRE(done);
  REQUIRE(state == "completed");
  REQUIRE(detail.find(R"("key":"ingestion-summary")") != std::string::npos);

  {
    auto conn = gg::pg::connection::open(serve.endpoints().database);
    REQUIRE(conn.has_value());
    auto r = conn->exec(
        "INSERT INTO pipeline.artifacts (flow, run_id, task, kind, key, title, body) "
        "VALUES ('load', $1::uuid, 'ingestion-summary', 'markdown', 'hostile-markdown', "
        "'Hostile <b>title</b>', $2)",
        load_run, std::string{hostile_markdown});
    INFO((r ? "" : r.error().message));
    REQUIRE(r.has_value());
  }

  const char* keep = std::getenv("GG_E2E_SCREENSHOT_DIR");
  const fs::path shots =
      keep != nullptr ? fs::path(keep) : fs::path(GG_BUILD_DIR) / "console-screenshots";
  const auto flow = gg::test::run_to_end(
      node,
      {(gg::test::browser_dir() / "pipeline_flow.mjs").string(), "--url",
       "http://127.0.0.1:" + std::to_string(serve.endpoints().admin_port), "--password",
       admin_password, "--load-run", load_run, "--hostile-run", load_run, "--out", shots.string()},
      logs, 180s);
  INFO("pipeline_flow.mjs stdout:\n" << flow.out << "\nstderr:\n" << flow.err);
  REQUIRE(flow.status == 0);

  const auto last_line = flow.out.substr(flow.out.rfind('\n', flow.out.size() - 2) + 1);
  simdjson::dom::element summary;
  REQUIRE(parser.parse(last_line).get(summary) == simdjson::SUCCESS);
  CHECK(summary["ok"].get_bool().value_unsafe());
  simdjson::dom::array violations;
  REQUIRE(summary["csp_violations"].get_array().get(violations) == simdjson::SUCCESS);
  CHECK(violations.size() == 0);
  const std::string transform_run = text(summary, "transform_run_id");
  REQUIRE(transform_run.size() == 36);

  // The run "Run now" started is in the history, as a manual transform run.
  const auto runs = admin.get("/api/runs?flow=transform&limit=100", bearer);
  REQUIRE(runs.status == 200);
  simdjson::dom::element list;
  REQUIRE(parser.parse(runs.body).get(list) == simdjson::SUCCESS);
  bool found = false;
  simdjson::dom::array run_list;
  REQUIRE(list["runs"].get_array().get(run_list) == simdjson::SUCCESS);
  for (auto r : run_list) {
    if (text(r, "id") != transform_run) continue;
    found = true;
    CHECK(text(r, "trigger") == "manual");
  }
  CHECK(found);

  for (const char* name : {"pipeline-desktop.png", "run-desktop.png",
                           "hostile-artifact-desktop.png", "transform-run-desktop.png",
                           "pipeline-dark-desktop.png", "pipeline-phone.png", "run-phone.png"}) {
    CAPTURE(name);
    REQUIRE(fs::exists(shots / name));
    CHECK(fs::file_size(shots / name) > 10'000);
  }
}

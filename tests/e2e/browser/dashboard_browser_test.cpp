// Runs `gadgetgrove serve --traffic off` with an admin password (the browser signs in with HTTP
// Basic) and a token (this test's own API calls), sends it a seeded history of shop sessions
// through the public ingest API (dashboard_data.mjs), waits until all of them are loaded and
// transformed (a transform run of its own), then drives the dashboard through
// dashboard_flow.mjs in headless Chromium. A second serve with an empty database checks the
// empty states. The first render time is printed (medians of cold and warm loads), not asserted.
//
// Needs: node, /usr/bin/chromium (or CHROMIUM_PATH), and playwright-core (installed with
// `npm ci` from package-lock.json when missing). Screenshots go to GG_E2E_SCREENSHOT_DIR when
// set, else to console-screenshots/ in the build directory. GG_TEST_SEED changes the data.

#include "browser_support.hpp"
#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gg::test::http_client;

constexpr const char* admin_password = "dashboard-pa55";
constexpr const char* admin_token = "dashboard-t0ken";

const gg::test::http_fields bearer{{"Authorization", std::string{"Bearer "} + admin_token}};

std::string text(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string{v} : std::string{};
}

/// The last line of a script's stdout, parsed: the scripts end with one JSON summary line.
simdjson::dom::element last_json_line(simdjson::dom::parser& parser, const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  REQUIRE(end != std::string::npos);
  const auto begin = out.rfind('\n', end);
  const std::string line =
      out.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin + 1));
  simdjson::dom::element e;
  REQUIRE(parser.parse(line).get(e) == simdjson::SUCCESS);
  return e;
}

fs::path screenshot_dir() {
  const char* keep = std::getenv("GG_E2E_SCREENSHOT_DIR");
  return keep != nullptr ? fs::path(keep) : fs::path(GG_BUILD_DIR) / "console-screenshots";
}

/// Starts a transform run and waits for it to end in `expected` (completed, or failed). A
/// client per call: the admin listener closes idle keep-alive connections.
void run_transform(unsigned short admin_port, simdjson::dom::parser& parser,
                   std::string_view expected = "completed") {
  http_client admin(admin_port);
  const auto started = admin.post("/api/flows/transform/run", "{}", "application/json", bearer);
  INFO(started.body);
  REQUIRE(started.status == 202);
  simdjson::dom::element answer;
  REQUIRE(parser.parse(started.body).get(answer) == simdjson::SUCCESS);
  const std::string run = text(answer, "run_id");
  REQUIRE(run.size() == 36);
  std::string state;
  std::string detail;
  const bool done = gg::test::eventually(
      [&] {
        detail = http_client(admin_port).get("/api/runs/" + run, bearer).body;
        simdjson::dom::element d;
        if (parser.parse(detail).get(d) != simdjson::SUCCESS) return false;
        state = text(d["run"].value_unsafe(), "state");
        return state == "completed" || state == "failed" || state == "crashed";
      },
      120s, 200ms, "the transform run to finish");
  INFO(detail);
  REQUIRE(done);
  REQUIRE(state == expected);
}

/// Runs dashboard_flow.mjs against `admin_port` and checks its summary; returns its stdout.
/// With `shop_port`, the flow also follows the shop's /analytics to the dashboard.
std::string run_flow(const std::string& node, unsigned short admin_port, const fs::path& logs,
                     bool empty, bool stale = false, unsigned short shop_port = 0) {
  std::vector<std::string> args{(gg::test::browser_dir() / "dashboard_flow.mjs").string(),
                                "--url",
                                "http://127.0.0.1:" + std::to_string(admin_port),
                                "--password",
                                admin_password,
                                "--out",
                                screenshot_dir().string()};
  if (empty) {
    args.emplace_back("--empty");
    args.emplace_back("--runs");
    args.emplace_back("1");
  }
  if (stale) args.emplace_back("--stale");
  if (!empty) {
    // The timed loads sign in both ways, alternately: with the credentials sent up front (the
    // figure) and answering the Basic challenge through Playwright (which intercepts every
    // request), to show what that costs.
    args.emplace_back("--timed-auth");
    args.emplace_back("both");
  }
  if (shop_port != 0) {
    args.emplace_back("--shop-url");
    args.emplace_back("http://127.0.0.1:" + std::to_string(shop_port));
  }
  const auto flow = gg::test::run_to_end(node, args, logs, 300s);
  INFO("dashboard_flow.mjs stdout:\n" << flow.out << "\nstderr:\n" << flow.err);
  simdjson::dom::parser parser;
  const auto summary = last_json_line(parser, flow.out);
  simdjson::dom::array problems;
  REQUIRE(summary["problems"].get_array().get(problems) == simdjson::SUCCESS);
  for (auto p : problems) {
    std::string_view s;
    if (p.get_string().get(s) == simdjson::SUCCESS) UNSCOPED_INFO("problem: " << s);
  }
  simdjson::dom::array violations;
  REQUIRE(summary["csp_violations"].get_array().get(violations) == simdjson::SUCCESS);
  CHECK(violations.size() == 0);
  CHECK(problems.size() == 0);
  CHECK(summary["ok"].get_bool().value_unsafe());
  CHECK(flow.status == 0);
  return flow.out;
}

}  // namespace

TEST_CASE(
    "the dashboard draws every panel from loaded data, filters by date and click, keeps "
    "its view in the URL and downloads CSV",
    "[e2e][console][dashboard][browser]") {
  const std::string node = gg::test::find_program("node");
  REQUIRE(!node.empty());
  gg::test::temp_dir tmp("gg-e2e-dashboard");
  const fs::path logs = tmp / "logs";
  fs::create_directories(logs);
  const std::string npm = gg::test::install_browser_client(logs);
  INFO(npm);
  REQUIRE(npm.empty());

  gg::test::serve_process serve(tmp / "data", {"--traffic", "off", "--admin-password",
                                               admin_password, "--admin-token", admin_token});
  std::string why;
  if (!serve.wait_ready(60s, &why)) FAIL(why);
  simdjson::dom::parser parser;

  // 70 days of sessions, sent as a browser would (client timestamps in the past).
  const auto data = gg::test::run_to_end(
      node,
      {(gg::test::browser_dir() / "dashboard_data.mjs").string(), "--url",
       "http://127.0.0.1:" + std::to_string(serve.endpoints().public_port), "--days", "70"},
      logs, 120s);
  INFO("dashboard_data.mjs stdout:\n" << data.out << "\nstderr:\n" << data.err);
  REQUIRE(data.status == 0);
  const auto sent = last_json_line(parser, data.out);
  std::cout << "dashboard data seed " << sent["seed"].get_int64().value_unsafe()
            << " (GG_TEST_SEED to repeat)\n";
  const std::int64_t sessions = sent["sessions"].get_int64().value_unsafe();
  const std::int64_t live_sessions = sent["live_sessions"].get_int64().value_unsafe();
  REQUIRE(sessions > 300);
  // Copied out: the parser's next document replaces this one.
  const std::string range = "start=" + text(sent, "first_day") + "&end=" + text(sent, "last_day");
  REQUIRE(range.size() == 31);

  // Every session is in the models once loading has caught up and a transform has run over it.
  std::int64_t seen = -1;
  const bool loaded = gg::test::eventually(
      [&] {
        run_transform(serve.endpoints().admin_port, parser);
        http_client admin(serve.endpoints().admin_port);
        const auto kpis = admin.get("/api/dashboard/kpis?" + range, bearer);
        simdjson::dom::element k;
        if (kpis.status != 200 || parser.parse(kpis.body).get(k) != simdjson::SUCCESS) {
          return false;
        }
        seen = k["kpis"]["total_sessions"]["value"].get_int64().value_unsafe();
        return seen == sessions + live_sessions;
      },
      180s, 1s, "every sent session to be loaded and transformed");
  INFO("sessions in the models: " << seen << ", sent: " << sessions + live_sessions);
  REQUIRE(loaded);

  const std::string out = run_flow(node, serve.endpoints().admin_port, logs, false, false,
                                   serve.endpoints().public_port);
  CHECK(out.find("\"analytics_redirect\":{\"status\":307") != std::string::npos);
  simdjson::dom::parser summary_parser;
  const auto summary = last_json_line(summary_parser, out);
  std::cout << "dashboard first render (ms, headless Chromium; cold: new profile, warm: reload): "
            << simdjson::minify(summary["first_render_ms"]) << "\n";

  for (const char* name : {"dashboard-desktop.png", "dashboard-product-filter-desktop.png",
                           "dashboard-dark-desktop.png", "dashboard-phone.png"}) {
    CAPTURE(name);
    REQUIRE(fs::exists(screenshot_dir() / name));
    CHECK(fs::file_size(screenshot_dir() / name) > 20'000);
  }
}

TEST_CASE(
    "on an empty database the dashboard says there is no data yet instead of drawing "
    "blank charts, and warns that the pipeline is stale",
    "[e2e][console][dashboard][browser]") {
  const std::string node = gg::test::find_program("node");
  REQUIRE(!node.empty());
  gg::test::temp_dir tmp("gg-e2e-dashboard-empty");
  const fs::path logs = tmp / "logs";
  fs::create_directories(logs);
  const std::string npm = gg::test::install_browser_client(logs);
  INFO(npm);
  REQUIRE(npm.empty());

  // A transform project without models: every transform run fails, and after three failures
  // in a row the flows call the transform stale.
  const fs::path no_models = tmp / "no-models";
  fs::create_directories(no_models);
  gg::test::serve_process serve(
      tmp / "data",
      {"--traffic", "off", "--admin-password", admin_password, "--admin-token", admin_token,
       "--transform-project", no_models.string(), "--flow-retries", "0"});
  std::string why;
  if (!serve.wait_ready(60s, &why)) FAIL(why);
  simdjson::dom::parser parser;
  for (int i = 0; i < 3; ++i) run_transform(serve.endpoints().admin_port, parser, "failed");
  std::string health;
  const bool stale = gg::test::eventually(
      [&] {
        health =
            http_client(serve.endpoints().admin_port).get("/api/dashboard/health", bearer).body;
        return health.find(R"("stale":true)") != std::string::npos;
      },
      30s, 200ms, "the transform flow to be stale");
  INFO(health);
  REQUIRE(stale);
  run_flow(node, serve.endpoints().admin_port, logs, true, true);
  for (const char* name : {"dashboard-empty-desktop.png", "dashboard-empty-phone.png"}) {
    CAPTURE(name);
    CHECK(fs::exists(screenshot_dir() / name));
  }
}

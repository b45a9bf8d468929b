// Chaos: the PostgreSQL server stops mid-run and comes back. serve never restarts a server it
// does not own, so the outage is played on an external server (the test's own cluster, reached
// through --database-url) that the test stops with a fast shutdown and starts again. Ingestion
// keeps acknowledging throughout; afterwards every acknowledged event is loaded exactly once, and
// the flows recovered on their own: the run history shows the failed runs and their retries,
// and the latest runs completed.

#include "chaos_support.hpp"

#include "eventually.hpp"
#include "pg_fixture.hpp"
#include "pg_query.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

// One stretch of traffic: simulate for `seconds` at `rate`, its acknowledged ids appended to
// `acked`; returns simulate's exit status (0: at most 1% of its requests failed).
int traffic(const chaos::chaos_serve& serve, const fs::path& dir, const std::string& name,
            int seconds, int rate, std::uint32_t seed, std::vector<std::string>& acked) {
  const fs::path acks = dir / (name + ".acks");
  auto r = chaos::cli(
      {"simulate", "--url", serve.public_url(), "--rate", std::to_string(rate), "--duration",
       std::to_string(seconds) + "s", "--concurrency", "8", "--no-page-loads", "--progress",
       "never", "--seed", std::to_string(seed), "--ack-log", acks.string()},
      dir / "cli");
  const auto ids = chaos::read_lines(acks);
  std::cerr << "chaos outage: " << name << ": " << ids.size() << " events acknowledged in "
            << seconds << " s" << std::endl;
  acked.insert(acked.end(), ids.begin(), ids.end());
  return r.status;
}

std::string run_history(gg::pg::connection& conn) {
  auto r = conn.exec(
      "SELECT flow || ' ' || trigger || ' attempt ' || attempt || ' ' || state || coalesce(' (' "
      "|| left(error, 120) || ')', '') FROM pipeline.flow_runs ORDER BY created_at");
  if (!r) return "cannot read pipeline.flow_runs: " + r.error().message;
  std::string out;
  for (int i = 0; i < r->rows(); ++i) out += std::string(r->get(i, 0)) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a database outage mid-run: ingestion acknowledges, then all loads once, flows recover",
          "[e2e][chaos][slow]") {
  const bool long_run = chaos::long_form();
  const int outage_s = long_run ? 30 : 8;
  const int rate = long_run ? 1000 : 300;
  const std::uint32_t seed = gg::test::test_seed("chaos outage");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  const auto t0 = std::chrono::steady_clock::now();

  gg::test::temp_dir dir("gg-chaos-outage");
  gg::test::pg_seed_cluster(dir / "pgext");
  gg::pg::cluster_options popts;
  popts.data_dir = dir / "pgext";
  // The outage starts with a fast shutdown (pg_ctl stop -m fast): clients are cut off at once
  // rather than waited for.
  popts.smart_stop_timeout = std::chrono::milliseconds(0);
  gg::pg::embedded_cluster server(popts);
  if (auto st = server.start(); !st)
    FAIL("cannot start the external server: " << st.error().message);

  const fs::path data = dir / "data";
  // The shipped project plus a model that takes a second, so a transform run is in flight when
  // the server stops and the outage breaks it (its failure and retry then show in the history).
  const char* source = std::getenv("GG_SOURCE_DIR");
  if (source == nullptr) FAIL("GG_SOURCE_DIR is not set");
  const fs::path project = dir / "project";
  fs::copy(fs::path(source) / "sql/transform", project, fs::copy_options::recursive);
  {
    std::ofstream slow(project / "models/analytics/chaos_slow.sql");
    slow << "{{ config(materialized='table') }}\nselect 1 as one from (select pg_sleep(1)) s\n";
  }
  // The load flow every 2 s and the transform flow every 3 s, so both have runs the outage
  // breaks; a failed run is retried after 1 s.
  chaos::chaos_serve serve(
      data, dir / "serve-logs", 0,
      {"--database-url", server.conninfo(), "--traffic", "off", "--load-interval", "2s",
       "--transform-interval", "3s", "--flow-retry-delay", "1s"});
  serve.wait_ready(60s);
  const auto open = [&] {
    auto c = gg::pg::connection::open(server.conninfo());
    if (!c) FAIL("cannot connect to the external server: " << c.error().message);
    return std::move(*c);
  };
  std::optional<gg::pg::connection> conn(open());

  std::vector<std::string> acked;
  CHECK(traffic(serve, dir.path(), "before", 3, rate, seed, acked) == 0);
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 30s, 100ms,
                               "the first traffic loaded"));
  REQUIRE(gg::test::eventually(
      [&] {
        return gg::test::scalar(*conn,
                                "SELECT count(*) FROM pipeline.flow_runs WHERE flow = "
                                "'transform' AND state = 'running'") > 0;
      },
      30s, 20ms, "a transform run in flight"));
  conn.reset();
  if (auto st = server.stop(); !st) FAIL("cannot stop the external server: " << st.error().message);
  REQUIRE(!server.running());
  std::cerr << "chaos outage: PostgreSQL stopped for " << outage_s << " s" << std::endl;
  std::vector<std::string> during;
  const int during_status = traffic(serve, dir.path(), "during", outage_s, rate, seed + 1, during);
  CHECK(during_status == 0);
  CHECK(during.size() > static_cast<std::size_t>(rate * outage_s / 2));
  acked.insert(acked.end(), during.begin(), during.end());
  // Nothing reached the warehouse meanwhile: the segments wait.
  CHECK(chaos::segments_left(data) > 0);
  const auto back = std::chrono::steady_clock::now();
  if (auto st = server.start(); !st)
    FAIL("cannot restart the external server: " << st.error().message);

  CHECK(traffic(serve, dir.path(), "after", 3, rate, seed + 2, acked) == 0);
  REQUIRE(gg::test::eventually([&] { return chaos::segments_left(data) == 0; }, 90s, 100ms,
                               "the backlog loaded after the outage"));
  const double caught_up = chaos::seconds_since(back);
  conn.emplace(open());
  const auto d = chaos::compare_delivery(*conn, acked);
  std::cerr << "chaos outage: " << d.acknowledged << " acknowledged, lost " << d.lost
            << ", doubled " << d.doubled << ", rejected " << d.rejected << "; backlog loaded "
            << caught_up << " s after the server came back" << std::endl;
  CHECK(d.lost == 0);
  CHECK(d.doubled == 0);
  CHECK(d.rejected == 0);

  // The flows recovered on their own: failures and retries in the history, and a completed run
  // of each flow that started after the server came back.
  const auto completed_after = [&](const std::string& flow) {
    return gg::test::scalar(*conn, "SELECT count(*) FROM pipeline.flow_runs WHERE flow = '" + flow +
                                       "' AND state = 'completed' AND started_at > now() - "
                                       "interval '1 second' * " +
                                       std::to_string(static_cast<int>(caught_up) + 5)) > 0;
  };
  CHECK(
      gg::test::eventually([&] { return completed_after("load") && completed_after("transform"); },
                           60s, 200ms, "a completed load and transform run after the outage"));
  // The run the outage broke ends failed (or crashed, once its 30 s lease has run out when its
  // end could not be recorded) and is retried.
  const auto broken_and_retried = [&] {
    return gg::test::scalar(*conn,
                            "SELECT count(*) FROM pipeline.flow_runs WHERE state IN ('failed', "
                            "'crashed')") > 0 &&
           gg::test::scalar(*conn,
                            "SELECT count(*) FROM pipeline.flow_runs WHERE trigger = 'retry'") > 0;
  };
  CHECK(gg::test::eventually(broken_and_retried, 60s, 200ms, "a failed run and its retry"));
  const std::string history = run_history(*conn);
  INFO("run history:\n" << history);
  std::cerr << "chaos outage: run history\n" << history;

  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(60s) == std::optional<int>(0));
  std::cerr << "chaos outage: scenario " << chaos::seconds_since(t0) << " s" << std::endl;
}

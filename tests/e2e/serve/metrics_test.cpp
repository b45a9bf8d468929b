// The admin /metrics of a running serve, as Prometheus reads it: promtool (Debian `prometheus`,
// installed by tools/install-deps.sh --test) must accept the exposition every stage writes into.

#include "child_process.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <string>

using namespace std::chrono_literals;
using gg::test::http_client;
using gg::test::serve_process;
using gg::test::temp_dir;

namespace {

// promtool is a prerequisite of this test: its absence is a failure, not a pass.
std::string promtool_path() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    std::string p = std::string{dir} + "/promtool";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  FAIL("promtool not found (Debian package prometheus; tools/install-deps.sh --test)");
  return {};
}

}  // namespace

TEST_CASE("the admin /metrics of serve passes promtool check metrics", "[e2e][app]") {
  const std::string promtool = promtool_path();
  temp_dir dir("gg-e2e-promtool");
  serve_process serve(dir / "data");
  std::string why;
  INFO(why);
  REQUIRE(serve.wait_ready(60s, &why));
  const auto ep = serve.endpoints();

  // Some traffic first, so that labelled series (per route, per status) exist too.
  http_client pub(ep.public_port);
  CHECK(pub.get("/").status == 200);
  CHECK(pub.get("/api/products").status == 200);

  http_client admin(ep.admin_port);
  const auto metrics = admin.get("/metrics");
  REQUIRE(metrics.status == 200);
  // Every stage of serve writes into the one registry /metrics exposes.
  for (const char* family :
       {"gadgetgrove_pg_pool_", "gadgetgrove_sched_", "gadgetgrove_http_", "gadgetgrove_ingest_",
        "gadgetgrove_eventlog_", "gadgetgrove_loader_", "gadgetgrove_shop_", "process_"}) {
    INFO(family);
    CHECK(metrics.body.find(family) != std::string::npos);
  }

  const auto exposition = dir / "metrics.txt";
  {
    std::ofstream out(exposition, std::ios::binary);
    out << metrics.body;
  }
  // promtool reads the exposition on its standard input; it exits non-zero on a malformed
  // text and on lint problems (a counter without _total, a missing HELP, a non-base unit).
  const auto check = gg::test::run_to_end(
      "/bin/sh", {"-c", "exec \"$0\" check metrics < \"$1\"", promtool, exposition.string()},
      dir.path(), 60s);
  INFO("promtool: " << check.out << check.err);
  CHECK(check.status == 0);
  CHECK(check.err.empty());
}

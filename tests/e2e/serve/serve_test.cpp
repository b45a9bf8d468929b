// The built binary as an operator runs it: serve, signals, restarts, init, an external
// database, the systemd unit.

#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <source_location>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using gg::test::child_process;
using gg::test::http_client;
using gg::test::serve_process;
using gg::test::temp_dir;

namespace {

std::string source_dir() {
  const char* s = std::getenv("GG_SOURCE_DIR");
  REQUIRE(s != nullptr);
  return s;
}

bool process_alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// The postmaster pid recorded by the embedded cluster, if it is running.
pid_t postmaster_pid(const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "pg" / "postmaster.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

bool wait_dead(pid_t pid, std::chrono::milliseconds timeout,
               std::source_location where = std::source_location::current()) {
  return gg::test::eventually([&] { return !process_alive(pid); }, timeout, 20ms,
                              "process " + std::to_string(pid) + " to exit", where);
}

void require_ready(serve_process& serve) {
  std::string why;
  INFO(why);
  bool ready = serve.wait_ready(60s, &why);
  if (!ready) FAIL(why);
}

}  // namespace

TEST_CASE("serve becomes ready, answers health on both listeners and drains on SIGTERM",
          "[e2e][app]") {
  temp_dir dir("gg-e2e-serve");
  auto data = dir / "data";
  serve_process serve(data);
  require_ready(serve);
  const auto ep = serve.endpoints();

  http_client admin(ep.admin_port);
  auto ready = admin.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("status":"ready")") != std::string::npos);
  CHECK(ready.body.find(R"("pg":{"state":"up"})") != std::string::npos);
  CHECK(admin.get("/healthz").status == 200);

  auto metrics = admin.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("Content-Type").value_or("").find("text/plain; version=0.0.4") == 0);
  CHECK(metrics.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(metrics.body.find("process_open_fds ") != std::string::npos);

  http_client pub(ep.public_port);
  CHECK(pub.get("/healthz").status == 200);
  const auto pub_ready = pub.get("/readyz");
  CHECK(pub_ready.status == 200);
  // The public listener answers the status only: no stage details, paths or segment names.
  CHECK(pub_ready.body == R"({"status":"ready"})");
  const auto stats = admin.get("/api/analytics/stats");
  CHECK(stats.status == 200);
  CHECK(stats.body.find(R"("queues")") != std::string::npos);
  CHECK(pub.get("/api/analytics/stats").body.find(R"("queues")") == std::string::npos);
  // A synthetic session is an admin action: a POST with the CSRF token, never a public GET.
  CHECK(pub.get("/simulate").body.find(R"("simulated")") == std::string::npos);
  CHECK(pub.post("/simulate", "").body.find(R"("simulated")") == std::string::npos);
  CHECK(admin.get("/simulate").body.find(R"("simulated")") == std::string::npos);
  CHECK(admin.post("/simulate", "").status == 403);
  const auto grant = admin.get("/api/csrf");
  REQUIRE(grant.status == 200);
  const std::string set_cookie = grant.header("Set-Cookie").value_or("");
  const std::string csrf_cookie = set_cookie.substr(0, set_cookie.find(';'));
  const auto token_at = grant.body.find(R"("token":")") + 9;
  const std::string token = grant.body.substr(token_at, grant.body.find('"', token_at) - token_at);
  const auto simulated = admin.post("/simulate", "", "application/json",
                                    {{"Cookie", csrf_cookie}, {"X-CSRF-Token", token}});
  CHECK(simulated.status == 200);
  CHECK(simulated.body.find(R"("status":"simulated")") != std::string::npos);
  // Metrics are an admin surface only: on the public listener the path is just a storefront
  // deep link.
  CHECK(pub.get("/metrics").body.find("process_resident_memory_bytes") == std::string::npos);

  pid_t pg_pid = postmaster_pid(data);
  REQUIRE(process_alive(pg_pid));

  serve.process().signal(SIGTERM);
  auto status = serve.process().wait(15s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  CHECK(wait_dead(pg_pid, 5s));
  CHECK_FALSE(std::filesystem::exists(data / "serve.json"));
  CHECK(serve.log().find(R"("msg":"stopped")") != std::string::npos);
}

TEST_CASE("a second serve on the same data directory refuses with a clear error", "[e2e][app]") {
  temp_dir dir("gg-e2e-lock");
  auto data = dir / "data";
  serve_process first(data);
  require_ready(first);

  serve_process second(data);
  auto status = second.process().wait(20s);
  REQUIRE(status.has_value());
  CHECK(*status == 1);
  CHECK(second.log().find("another gadgetgrove serve is running on data directory") !=
        std::string::npos);
  CHECK(second.log().find(std::to_string(first.process().pid())) != std::string::npos);

  // The first one is unaffected.
  http_client admin(first.endpoints().admin_port);
  CHECK(admin.get("/readyz").status == 200);
}

TEST_CASE("after kill -9 of serve, the next serve reuses the cluster with its data", "[e2e][app]") {
  temp_dir dir("gg-e2e-kill");
  auto data = dir / "data";
  {
    serve_process serve(data);
    require_ready(serve);
    auto conn = gg::pg::connection::open(serve.endpoints().database);
    REQUIRE(conn.has_value());
    REQUIRE(conn->exec("CREATE TABLE pipeline.kill_marker(v int)").has_value());
    REQUIRE(conn->exec("INSERT INTO pipeline.kill_marker VALUES ($1)", 42).has_value());
    serve.process().signal(SIGKILL);
    REQUIRE(serve.process().wait(10s).has_value());
  }
  serve_process again(data);
  require_ready(again);
  http_client admin(again.endpoints().admin_port);
  CHECK(admin.get("/readyz").status == 200);
  auto conn = gg::pg::connection::open(again.endpoints().database);
  REQUIRE(conn.has_value());
  auto r = conn->exec("SELECT v FROM pipeline.kill_marker");
  REQUIRE(r.has_value());
  REQUIRE(r->rows() == 1);
  CHECK(r->get(0, 0) == "42");
}

TEST_CASE("init applies the migrations once and a second run changes nothing", "[e2e][app]") {
  temp_dir dir("gg-e2e-init");
  auto data = (dir / "data").string();
  auto bin = gg::test::binary_path();
  auto first = gg::test::run_to_end(bin, {"init", "--data-dir", data}, dir.path(), 120s);
  INFO(first.err);
  REQUIRE(first.status == 0);
  CHECK(first.out.find("applied 0001_initial") != std::string::npos);
  auto second = gg::test::run_to_end(bin, {"init", "--data-dir", data}, dir.path(), 120s);
  INFO(second.err);
  REQUIRE(second.status == 0);
  CHECK(second.out.find(" 0 migration(s) applied") != std::string::npos);
  // init started the cluster for its own duration only.
  CHECK_FALSE(gg::pg::embedded_cluster::is_running(data));
}

TEST_CASE("init uses the cluster of a running serve without stopping it", "[e2e][app]") {
  temp_dir dir("gg-e2e-init-live");
  auto data = dir / "data";
  serve_process serve(data);
  require_ready(serve);
  auto r = gg::test::run_to_end(gg::test::binary_path(), {"init", "--data-dir", data.string()},
                                dir.path(), 60s);
  INFO(r.err);
  CHECK(r.status == 0);
  http_client admin(serve.endpoints().admin_port);
  CHECK(admin.get("/readyz").status == 200);
}

TEST_CASE("serve --database-url uses a separately started server", "[e2e][app]") {
  temp_dir dir("gg-e2e-external");
  gg::pg::cluster_options opts;
  opts.data_dir = dir / "external";
  gg::pg::embedded_cluster external(opts);
  REQUIRE(external.start());

  auto data = dir / "data";
  serve_process serve(data, {"--database-url", external.conninfo()});
  require_ready(serve);
  CHECK_FALSE(std::filesystem::exists(data / "pg"));
  http_client admin(serve.endpoints().admin_port);
  CHECK(admin.get("/readyz").status == 200);

  auto conn = gg::pg::connection::open(external.conninfo());
  REQUIRE(conn.has_value());
  auto r = conn->exec("SELECT count(*) FROM pipeline.schema_migrations");
  REQUIRE(r.has_value());
  CHECK(std::stoi(std::string(r->get(0, 0))) >= 1);

  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(15s) == 0);
  // Stopping serve leaves an external server alone.
  CHECK(external.running());
}

TEST_CASE("readyz names the database when it goes down, and recovers", "[e2e][app]") {
  temp_dir dir("gg-e2e-dbdown");
  gg::pg::cluster_options opts;
  opts.data_dir = dir / "external";
  gg::pg::embedded_cluster external(opts);
  REQUIRE(external.start());
  serve_process serve(dir / "data", {"--database-url", external.conninfo()});
  require_ready(serve);
  http_client admin(serve.endpoints().admin_port);
  REQUIRE(admin.get("/readyz").status == 200);

  // The database is checked once a second in the background; poll for the change.
  auto poll = [&](auto done) {
    gg::test::http_reply last;
    gg::test::eventually(
        [&] {
          last = admin.get("/readyz");
          return done(last);
        },
        15s, 100ms, "/readyz to report the change");
    return last;
  };
  REQUIRE(external.stop());
  // Other stages that use the database (the loader) may notice first; wait for pg itself.
  auto down = poll([](const gg::test::http_reply& r) {
    return r.body.find(R"("pg":{"state":"down")") != std::string::npos;
  });
  INFO("readyz: " << down.body);
  CHECK(down.status == 503);
  CHECK(std::regex_search(down.body, std::regex(R"re("failing":"[^"]*\bpg\b)re")));
  CHECK(down.body.find(R"("pg":{"state":"down","detail":"database )") != std::string::npos);
  http_client pub(serve.endpoints().public_port);
  const auto pub_down = pub.get("/readyz");
  CHECK(pub_down.status == 503);
  CHECK(pub_down.body == R"({"status":"not ready"})");

  REQUIRE(external.start());
  CHECK(poll([](const gg::test::http_reply& r) { return r.status == 200; }).status == 200);
}

TEST_CASE("bad command lines exit 2 with one line naming the problem", "[e2e][app]") {
  temp_dir dir("gg-e2e-cli");
  auto bin = gg::test::binary_path();
  auto r = gg::test::run_to_end(bin, {"serve", "--listen", "nowhere"}, dir.path(), 10s);
  CHECK(r.status == 2);
  CHECK(r.err.find("--listen") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  auto p = gg::test::run_to_end(bin, {"serve", "--print-config", "--threads", "3"}, dir.path(), 10s,
                                {{"GADGETGROVE_LOG_LEVEL", "debug"}});
  CHECK(p.status == 0);
  CHECK(std::regex_search(p.out, std::regex(R"(threads\s+3\s+command line)")));
  CHECK(std::regex_search(p.out, std::regex(R"(log-level\s+debug\s+env GADGETGROVE_LOG_LEVEL)")));
  CHECK(std::regex_search(p.out, std::regex(R"(data-dir\s+data\s+default)")));
}

TEST_CASE("the systemd unit passes systemd-analyze verify", "[e2e][app][systemd]") {
  if (::access("/usr/bin/systemd-analyze", X_OK) != 0) {
    FAIL("systemd-analyze is not installed (tools/install-deps.sh --test installs systemd)");
  }
  temp_dir dir("gg-e2e-unit");
  std::ifstream in(source_dir() + "/config/gadgetgrove.service");
  std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(unit.find("Type=notify") != std::string::npos);
  REQUIRE(unit.find("NoNewPrivileges=yes") != std::string::npos);
  REQUIRE(unit.find("ProtectSystem=strict") != std::string::npos);
  // verify checks that ExecStart's binary exists: point it at the one just built.
  unit =
      std::regex_replace(unit, std::regex("/usr/local/bin/gadgetgrove"), gg::test::binary_path());
  auto path = dir / "gadgetgrove.service";
  std::ofstream(path) << unit;
  auto r =
      gg::test::run_to_end("/usr/bin/systemd-analyze", {"verify", path.string()}, dir.path(), 60s);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  // A warning about the unit itself (not about the host's other units) fails the check too.
  CHECK(r.err.find("gadgetgrove.service:") == std::string::npos);
}

TEST_CASE("serve runs as an ordinary user with its own PostgreSQL", "[e2e][app][slow]") {
  // Creating the ordinary user and handing it the data directory needs root: run as anyone
  // else this test cannot check anything, so it fails rather than pass unchecked (CI runs the
  // suite as root).
  if (::geteuid() != 0) FAIL("needs root to create the ordinary user it runs serve as");
  const char* user = "gg-e2e";
  if (::getpwnam(user) == nullptr) {
    auto r = gg::test::run_to_end("/usr/sbin/useradd", {"--system", "--no-create-home", user},
                                  "/tmp", 30s);
    REQUIRE(r.status == 0);
  }
  temp_dir dir("gg-e2e-user");
  struct passwd* pw = ::getpwnam(user);
  REQUIRE(pw != nullptr);
  REQUIRE(::chown(dir.path().c_str(), pw->pw_uid, pw->pw_gid) == 0);
  auto data = dir / "data";
  // setpriv execs the binary itself, so the signal below reaches serve directly.
  child_process serve("/usr/bin/setpriv",
                      {"--reuid", user, "--regid", user, "--init-groups", "--",
                       gg::test::binary_path(), "serve", "--data-dir", data.string(), "--listen",
                       "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json"},
                      "/tmp");
  REQUIRE(gg::test::wait_for_file(data / "serve.json", 60s));
  auto ep = gg::test::read_serve_json(data);
  REQUIRE(ep);
  http_client admin(ep->admin_port);
  CHECK(admin.get("/readyz").status == 200);
  struct stat st {};
  REQUIRE(::stat((data / "pg").c_str(), &st) == 0);
  CHECK(st.st_uid == pw->pw_uid);
  serve.signal(SIGTERM);
  CHECK(serve.wait(20s) == 0);
}

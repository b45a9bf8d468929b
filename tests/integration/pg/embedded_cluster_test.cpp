#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include "pg_test_helpers.hpp"
#include "temp_dir.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

using namespace std::chrono_literals;
using gg::pg::embedded_cluster;
using gg::test::must;
using gg::test::seeded_cluster;
using gg::test::throwaway_cluster;

namespace {

std::string scalar(const std::string& conninfo, const std::string& sql) {
  auto c = must(gg::pg::connection::open(conninfo));
  auto r = must(c.exec(sql));
  return std::string(r.get(0, 0));
}

// Alive and not a zombie (an orphan's new parent may take a while to reap it).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  if (!std::getline(stat, all)) return false;
  const auto paren = all.rfind(')');
  return paren == std::string::npos || paren + 2 >= all.size() || all[paren + 2] != 'Z';
}

// The user the server runs as in these tests (postgres when we are root).
std::pair<uid_t, gid_t> server_ids() {
  if (::geteuid() != 0) return {::geteuid(), ::getegid()};
  const passwd* pw = ::getpwnam("postgres");
  REQUIRE(pw != nullptr);
  return {pw->pw_uid, pw->pw_gid};
}

// Starts, uses, restarts and stops a cluster in `data_dir`; empty on success, else what failed.
std::string lifecycle(const std::filesystem::path& data_dir) {
  embedded_cluster cluster(throwaway_cluster(data_dir));
  if (auto s = cluster.start(); !s) return "start: " + s.error().message;
  {
    auto c = gg::pg::connection::open(cluster.conninfo());
    if (!c) return "connect: " + c.error().message;
    if (auto s = c->exec_script("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)"); !s) {
      return "write: " + s.error().message;
    }
    // The settings the loader's throughput rests on.
    auto wal = c->exec("SHOW wal_buffers");
    if (!wal || wal->get(0, 0) != "16MB") return "wal_buffers is not 16MB";
  }
  if (!embedded_cluster::is_running(data_dir)) return "is_running() false while running";
  if (auto s = cluster.stop(); !s) return "stop: " + s.error().message;
  if (embedded_cluster::is_running(data_dir)) return "is_running() true after stop";
  if (auto s = cluster.start(); !s) return "restart: " + s.error().message;
  auto c = gg::pg::connection::open(cluster.conninfo());
  if (!c) return "reconnect: " + c.error().message;
  auto r = c->exec("SELECT x FROM kept");
  if (!r || r->get(0, 0) != "7") return "data lost across restart";
  struct stat st {};
  if (::stat((data_dir / "pg").c_str(), &st) != 0 || (st.st_mode & 0777) != 0700 ||
      st.st_uid == 0) {
    return "cluster directory is not 0700 and owned by the server user";
  }
  if (auto s = cluster.stop(); !s) return "final stop: " + s.error().message;
  return {};
}

// Forks; the child runs `body` and exits 0 when it returns an empty string, else writes the
// message to the pipe. Returns the child's message or exit description.
template <class F>
std::string in_child(F body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    const std::string msg = body();
    (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(msg.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int ws = 0;
  ::waitpid(pid, &ws, 0);
  if (out.empty() && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0)) out = "child failed silently";
  return out;
}

}  // namespace

TEST_CASE("the cluster starts, keeps data across a restart and stops", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-cluster");
  const std::string failure = lifecycle(dir / "data");
  INFO(failure);
  CHECK(failure.empty());
}

TEST_CASE("the cluster runs as an ordinary user", "[integration][pg][slow]") {
  if (::geteuid() != 0) {
    // Already an ordinary user: the plain lifecycle is the test.
    gg::test::temp_dir dir("gg-pg-user");
    const std::string failure = lifecycle(dir / "data");
    INFO(failure);
    CHECK(failure.empty());
    return;
  }
  if (::getpwnam("ggtest") == nullptr) {
    REQUIRE(std::system("useradd -m ggtest >/dev/null 2>&1") == 0);
  }
  const passwd* pw = ::getpwnam("ggtest");
  REQUIRE(pw != nullptr);
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  const std::string failure = in_child([uid, gid]() -> std::string {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
      return "cannot become ggtest";
    }
    char tmpl[] = "/tmp/gg-pg-user-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return "mkdtemp failed";
    std::string result = lifecycle(std::filesystem::path(tmpl) / "data");
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
    return result;
  });
  INFO(failure);
  CHECK(failure.empty());
}

TEST_CASE("a cluster survives the kill -9 of the process that started it", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-kill");
  const auto data = dir / "data";
  const auto options = seeded_cluster(data);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t starter = ::fork();
  REQUIRE(starter >= 0);
  if (starter == 0) {
    ::close(fds[0]);
    embedded_cluster cluster(options);
    pid_t server = -1;
    if (cluster.start()) {
      auto c = gg::pg::connection::open(cluster.conninfo());
      if (c && c->exec_script("CREATE TABLE kept AS SELECT generate_series(1, 1000) AS x")) {
        server = cluster.pid();
      }
    }
    (void)!::write(fds[1], &server, sizeof server);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t old_server = -1;
  REQUIRE(::read(fds[0], &old_server, sizeof old_server) == sizeof old_server);
  ::close(fds[0]);
  REQUIRE(old_server > 0);
  ::kill(starter, SIGKILL);
  ::waitpid(starter, nullptr, 0);

  embedded_cluster cluster(throwaway_cluster(data));
  must(cluster.start());
  CHECK(cluster.pid() != old_server);
  CHECK_FALSE(alive(old_server));
  CHECK(scalar(cluster.conninfo(), "SELECT sum(x) FROM kept") == "500500");
  CHECK(scalar(cluster.conninfo(), "SELECT count(*) FROM pg_stat_activity") != "");
  must(cluster.stop());
}

TEST_CASE("a server left running by another process is stopped and replaced", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-leftover");
  const auto data = dir / "data";
  embedded_cluster first(seeded_cluster(data));
  must(first.start());
  must(first.stop());

  // Start the server the way an admin might, detached from us: pg_ctl daemonises it.
  const auto [uid, gid] = server_ids();
  const std::string bindir = "/usr/lib/postgresql/15/bin";
  const std::string pgdir = (data / "pg").string();
  const std::string sockdir = first.socket_dir().string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
      ::_exit(2);
    }
    const std::string opts = "-k " + sockdir + " -c listen_addresses=''";
    const std::string pg_ctl = bindir + "/pg_ctl";
    ::execl(pg_ctl.c_str(), pg_ctl.c_str(), "-D", pgdir.c_str(), "-o", opts.c_str(), "-l",
            "/dev/null", "-w", "-s", "start", static_cast<char*>(nullptr));
    ::_exit(3);
  }
  int ws = 0;
  ::waitpid(pid, &ws, 0);
  REQUIRE(WIFEXITED(ws));
  REQUIRE(WEXITSTATUS(ws) == 0);
  REQUIRE(embedded_cluster::is_running(data));
  pid_t detached = -1;
  std::ifstream(data / "pg" / "postmaster.pid") >> detached;
  REQUIRE(detached > 0);

  embedded_cluster second(throwaway_cluster(data));
  must(second.start());
  CHECK(second.pid() != detached);
  CHECK_FALSE(alive(detached));
  CHECK(scalar(second.conninfo(), "SELECT 1") == "1");
  must(second.stop());
}

TEST_CASE("a stale postmaster.pid of a dead process does not prevent a start",
          "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-stale");
  const auto data = dir / "data";
  embedded_cluster cluster(seeded_cluster(data));
  must(cluster.start());
  must(cluster.stop());
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const auto pidfile = data / "pg" / "postmaster.pid";
  std::ofstream(pidfile) << dead << "\n"
                         << (data / "pg").string() << "\n1700000000\n5432\n"
                         << cluster.socket_dir().string() << "\n\n  5432001         0\nready   \n";
  const auto [uid, gid] = server_ids();
  REQUIRE(::chown(pidfile.c_str(), uid, gid) == 0);
  CHECK_FALSE(embedded_cluster::is_running(data));
  must(cluster.start());
  CHECK(cluster.pid() != dead);
  CHECK(embedded_cluster::is_running(data));
  CHECK(must(embedded_cluster::running_conninfo(data)) == cluster.conninfo());
  must(cluster.stop());
}

TEST_CASE("missing server binaries are a clear configuration error", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-nobin");
  auto options = throwaway_cluster(dir / "data");
  options.bin_dir = dir / "no-such-bin";
  embedded_cluster cluster(options);
  auto s = cluster.start();
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == gg::errc::config);
  CHECK(s.error().message == "PostgreSQL 15 server binaries not found in " +
                                 (dir / "no-such-bin").string() +
                                 ": install the Debian package postgresql-15");
}

TEST_CASE("a parent directory the server user cannot traverse is named in the error",
          "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-locked");
  const auto locked = dir / "locked";
  std::filesystem::create_directories(locked / "data");
  REQUIRE(::chmod(locked.c_str(), 0600) == 0);
  embedded_cluster cluster(throwaway_cluster(locked / "data"));
  auto s = cluster.start();
  ::chmod(locked.c_str(), 0755);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == gg::errc::config);
  CHECK(s.error().message.find("directory " + locked.string() + " ") != std::string::npos);
  CHECK(s.error().message.find("not traversable") != std::string::npos);
}

TEST_CASE("a data directory too deep for a unix socket path gets a short socket directory",
          "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-deep");
  const auto data = dir / std::string(100, 'd');
  embedded_cluster cluster(seeded_cluster(data));
  CHECK(cluster.socket_dir().string().starts_with("/tmp/gg-pg-"));
  CHECK((cluster.socket_dir() / ".s.PGSQL.5432").string().size() <= 107);
  must(cluster.start());
  CHECK(scalar(cluster.conninfo(), "SELECT current_database()") == "gadgetgrove");
  CHECK(must(embedded_cluster::running_conninfo(data, "postgres")) == cluster.conninfo("postgres"));
  must(cluster.stop());
  std::error_code ec;
  std::filesystem::remove_all(cluster.socket_dir(), ec);
}

TEST_CASE("a server that cannot start reports its log", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-badconf");
  auto options = seeded_cluster(dir / "data");
  options.settings.emplace_back("shared_buffers", "not-a-size");
  embedded_cluster cluster(options);
  auto s = cluster.start();
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == gg::errc::unavailable);
  CHECK(s.error().message.find("shared_buffers") != std::string::npos);
  CHECK_FALSE(cluster.running());
}

TEST_CASE("a stop with a deadline does not wait the smart timeout for a connected client",
          "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-cluster");
  auto o = seeded_cluster(dir / "data");
  o.smart_stop_timeout = 20s;  // a smart shutdown waits for every client to leave
  embedded_cluster cluster(o);
  REQUIRE(cluster.start().has_value());
  const pid_t pid = cluster.pid();
  auto client = must(gg::pg::connection::open(cluster.conninfo()));  // never leaves
  const auto until = std::chrono::steady_clock::now() + 1s;
  REQUIRE(cluster.stop(until).has_value());
  // Smart shutdown had a quarter of the second, fast shutdown the rest: well before 20 s.
  CHECK(std::chrono::steady_clock::now() < until + 500ms);
  CHECK_FALSE(alive(pid));
  CHECK_FALSE(cluster.running());
  CHECK(cluster.stop(until).has_value());  // idempotent
}

TEST_CASE("a stop whose deadline has passed shuts down at once and loses nothing committed",
          "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-cluster");
  auto o = seeded_cluster(dir / "data");
  o.settings = {{"fsync", "on"}, {"synchronous_commit", "on"}};
  o.smart_stop_timeout = 20s;
  o.fast_stop_timeout = 20s;
  {
    embedded_cluster cluster(o);
    REQUIRE(cluster.start().has_value());
    auto c = must(gg::pg::connection::open(cluster.conninfo()));
    must(c.exec("CREATE TABLE kept (n int)"));
    must(c.exec("INSERT INTO kept SELECT generate_series(1, 1000)"));
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(cluster.stop(started - 1s).has_value());
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // not the 20 s phases
  }
  embedded_cluster again(o);
  REQUIRE(again.start().has_value());
  CHECK(scalar(again.conninfo(), "SELECT count(*) FROM kept") == "1000");
  REQUIRE(again.stop().has_value());
}

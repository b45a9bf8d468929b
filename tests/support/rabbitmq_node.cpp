#include "rabbitmq_node.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace gg::test {

namespace {

const char* const server_program = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const char* const ctl_program = "/usr/lib/rabbitmq/bin/rabbitmqctl";

// Three different ports nothing listens on now (the kernel's picks for ephemeral binds, held
// together so they differ); the node binds them moments later, and a clash with another
// process shows up as a failed start, which start() answers with fresh ports.
std::array<int, 3> free_ports() {
  std::array<int, 3> fds{-1, -1, -1};
  std::array<int, 3> ports{0, 0, 0};
  for (std::size_t i = 0; i < fds.size(); ++i) {
    fds[i] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fds[i] < 0) break;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fds[i], reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      ports[i] = ntohs(a.sin_port);
    }
  }
  for (const int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  return ports;
}

std::string tail(const std::string& text) {
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

std::string seconds_left(std::chrono::steady_clock::time_point until) {
  const auto left =
      std::chrono::duration_cast<std::chrono::seconds>(until - std::chrono::steady_clock::now());
  return std::to_string(std::max<std::int64_t>(1, left.count()));
}

// Runs the server under a shell that kills the node's process group once the test process is
// gone: a test killed by a CTest timeout or a crash must not leave a broker running on the
// machine. The shell starts the node's epmd itself, in that group (a node would start it as a
// daemon that escapes the group), and ends it when the node ends. $1 is the test's pid, the
// rest the server's command line; ERL_EPMD_PORT and ERL_EPMD_ADDRESS come from env().
const char* const watchdog_script =
    "owner=$1; shift; "
    "/usr/bin/epmd & epmd=$!; "
    "\"$@\" & node=$!; "
    "while kill -0 \"$node\" 2>/dev/null; do "
    "  if ! kill -0 \"$owner\" 2>/dev/null; then kill -9 0; fi; "
    "  sleep 1; "
    "done; "
    "wait \"$node\"; status=$?; kill \"$epmd\" 2>/dev/null; exit $status";

}  // namespace

rabbitmq_node::rabbitmq_node() : owner_(::getpid()), dir_("gg-rabbitmq") {
  pick_ports();
  std::filesystem::create_directories(dir_ / "home");
  std::filesystem::create_directories(dir_ / "log");
  // The node and rabbitmqctl share this cookie. Written before either runs: left to them, both
  // may create it at once with different values, and every rabbitmqctl call is then refused.
  {
    std::ofstream cookie(dir_ / "home" / ".erlang.cookie");
    cookie << "GGTEST" << ::getpid() << "X" << amqp_port_;
  }
  std::filesystem::permissions(dir_ / "home" / ".erlang.cookie",
                               std::filesystem::perms::owner_read);
  std::ofstream(dir_ / "enabled_plugins") << "[].\n";
  // The disk and memory alarms would block publishers on a small, busy test machine.
  std::ofstream(dir_ / "rabbitmq.conf") << "loopback_users = none\n"
                                           "disk_free_limit.absolute = 10MB\n"
                                           "vm_memory_high_watermark.relative = 0.9\n";
  std::ofstream(dir_ / "rabbitmq-env.conf") << "";
}

void rabbitmq_node::pick_ports() {
  const auto ports = free_ports();
  amqp_port_ = ports[0];
  dist_port_ = ports[1];
  epmd_port_ = ports[2];
  // The name carries the port, so a node started again on fresh ports has fresh data too.
  node_name_ = "gg" + std::to_string(::getpid()) + "_" + std::to_string(amqp_port_) + "@localhost";
}

rabbitmq_node::~rabbitmq_node() {
  // A forked test child that exits must not stop its parent's node.
  if (::getpid() != owner_) return;
  if (running()) stop();
  if (server_) stop_epmd();
}

void rabbitmq_node::stop_epmd() {
  // epmd outlives the node it started; it is ours alone (its own port).
  // It refuses while a node is still registered, which lasts a moment after the node exits.
  std::vector<std::string> args{"-port", std::to_string(epmd_port_), "-kill"};
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto r = run_to_end("/usr/bin/epmd", args, dir_.path(), std::chrono::seconds(10));
    if (r.out.find("not allowed") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

std::map<std::string, std::string> rabbitmq_node::env() const {
  const auto d = dir_.path();
  return {
      {"HOME", (d / "home").string()},  // the Erlang cookie, shared by the node and rabbitmqctl
      {"RABBITMQ_NODENAME", node_name_},
      {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
      {"RABBITMQ_NODE_PORT", std::to_string(amqp_port_)},
      {"RABBITMQ_DIST_PORT", std::to_string(dist_port_)},
      {"ERL_EPMD_PORT", std::to_string(epmd_port_)},
      {"ERL_EPMD_ADDRESS", "127.0.0.1"},
      {"RABBITMQ_MNESIA_BASE", (d / "mnesia").string()},
      {"RABBITMQ_LOG_BASE", (d / "log").string()},
      {"RABBITMQ_CONFIG_FILE", (d / "rabbitmq.conf").string()},
      {"RABBITMQ_ADVANCED_CONFIG_FILE", (d / "advanced.config").string()},
      {"RABBITMQ_CONF_ENV_FILE", (d / "rabbitmq-env.conf").string()},
      {"RABBITMQ_ENABLED_PLUGINS_FILE", (d / "enabled_plugins").string()},
      {"RABBITMQ_PID_FILE", (d / "rabbitmq.pid").string()},
      {"ERL_CRASH_DUMP", (d / "erl_crash.dump").string()},
      // Two schedulers that sleep when idle: the node shares a small machine with the tests.
      {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "+S 2:2 +sbwt none +sbwtdcpu none +sbwtdio none"},
  };
}

run_result rabbitmq_node::ctl(const std::vector<std::string>& args) {
  return ctl(args, std::chrono::seconds(120));
}

run_result rabbitmq_node::ctl(const std::vector<std::string>& args,
                              std::chrono::milliseconds timeout) {
  std::vector<std::string> all{"-n", node_name_};
  all.insert(all.end(), args.begin(), args.end());
  return run_to_end(ctl_program, all, dir_.path(), timeout, env());
}

void rabbitmq_node::start() {
  if (::access(server_program, X_OK) != 0) {
    FAIL("rabbitmq-server is not installed at " << server_program
                                                << " (tools/install-deps.sh --test installs it)");
  }
  if (running()) return;
  // A first start that dies early most likely lost a port to another process between
  // free_ports() and the node's bind: it is tried again on fresh ports. A restart keeps its
  // ports (its streams live under its name), so it gets one attempt.
  const int attempts = started_ ? 1 : 3;
  std::string why;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) pick_ports();
    if (amqp_port_ == 0 || dist_port_ == 0 || epmd_port_ == 0) FAIL("no free loopback port");
    why = try_start();
    if (why.empty()) {
      started_ = true;
      return;
    }
    WARN("private RabbitMQ node, attempt " << attempt << " of " << attempts
                                           << " failed: " << why.substr(0, 600));
  }
  FAIL("private RabbitMQ node " << node_name_ << " on 127.0.0.1:" << amqp_port_
                                << " did not start: " << why);
}

std::string rabbitmq_node::try_start() {
  std::vector<std::string> args{"-c", watchdog_script, "gg-rabbitmq-watchdog",
                                std::to_string(::getpid()), server_program};
  server_ = std::make_unique<child_process>("/bin/sh", args, dir_.path(), env());
  // A loaded two-core machine boots a node in tens of seconds; the bound is generous, and
  // each wait below ends by it.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  run_result r;
  for (;;) {
    // The node registers with epmd only part-way through its boot; until then await_startup
    // fails at once instead of waiting, so it is asked again.
    r = ctl({"await_startup", "--timeout", seconds_left(until)},
            std::chrono::steady_clock::now() < until
                ? std::chrono::duration_cast<std::chrono::milliseconds>(
                      until - std::chrono::steady_clock::now()) +
                      std::chrono::seconds(30)
                : std::chrono::milliseconds(std::chrono::seconds(30)));
    if (r.status == 0) return {};
    if (!server_->running() || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const bool exited = !server_->running();
  if (!exited) kill();
  stop_epmd();
  const std::string log = read_file(dir_ / "log" / (node_name_ + ".log"));
  std::ostringstream why;
  why << (exited ? "the server exited during its boot" : "no answer within 240 s") << "; " << r.out
      << r.err << "\nserver stdout: " << tail(server_->stdout_text())
      << "\nserver stderr: " << tail(server_->stderr_text()) << "\nlog tail: " << tail(log);
  return why.str();
}

void rabbitmq_node::stop() {
  if (!running()) return;
  (void)ctl({"stop"});
  if (!server_->wait(std::chrono::seconds(60))) kill();
}

void rabbitmq_node::kill() {
  if (!server_) return;
  // The node runs in the process group child_process made for it (beam, erl_child_setup).
  ::kill(-server_->pid(), SIGKILL);
  server_->wait(std::chrono::seconds(30));
}

bool rabbitmq_node::running() { return server_ && server_->running(); }

std::string rabbitmq_node::url() const {
  return "amqp://guest:guest@127.0.0.1:" + std::to_string(amqp_port_) + "/";
}

const std::string& rabbitmq_url() {
  static const std::string external = [] {
    const char* u = std::getenv("GG_TEST_BROKER_URL");
    return std::string(u != nullptr ? u : "");
  }();
  if (!external.empty()) return external;
  // Destroyed at exit, which stops the node; a forked test child never starts one.
  static rabbitmq_node node;
  static std::string url;
  static bool tried = false;
  if (!tried) {
    tried = true;
    node.start();
    url = node.url();  // after start(): a retried start moves the node to other ports
  } else if (url.empty() || !node.running()) {
    FAIL("the shared private RabbitMQ node is not running (it failed to start or died)");
  }
  return url;
}

}  // namespace gg::test

#include "rabbitmq_node.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace gg::test {

namespace {

const char* const server_program = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const char* const ctl_program = "/usr/lib/rabbitmq/bin/rabbitmqctl";

// A port nothing listens on now (the kernel's pick for an ephemeral bind); the node binds it
// moments later, and a clash shows up as a failed start, never as a wrong broker.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

rabbitmq_node::rabbitmq_node()
    : owner_(::getpid()),
      dir_("gg-rabbitmq"),
      node_name_("gg" + std::to_string(::getpid()) + "_" + std::to_string(free_port()) +
                 "@localhost"),
      amqp_port_(free_port()),
      dist_port_(free_port()),
      epmd_port_(free_port()) {
  std::filesystem::create_directories(dir_ / "home");
  std::filesystem::create_directories(dir_ / "log");
  std::ofstream(dir_ / "enabled_plugins") << "[].\n";
  // The disk and memory alarms would block publishers on a small, busy test machine.
  std::ofstream(dir_ / "rabbitmq.conf") << "loopback_users = none\n"
                                           "disk_free_limit.absolute = 10MB\n"
                                           "vm_memory_high_watermark.relative = 0.9\n";
  std::ofstream(dir_ / "rabbitmq-env.conf") << "";
}

rabbitmq_node::~rabbitmq_node() {
  // A forked test child that exits must not stop its parent's node.
  if (::getpid() != owner_) return;
  if (running()) stop();
  // epmd outlives the node it started; it is ours alone (its own port).
  // It refuses while a node is still registered, which lasts a moment after the node exits.
  if (epmd_port_ != 0 && server_) {
    std::vector<std::string> args{"-port", std::to_string(epmd_port_), "-kill"};
    for (int attempt = 0; attempt < 20; ++attempt) {
      const auto r = run_to_end("/usr/bin/epmd", args, dir_.path(), std::chrono::seconds(10));
      if (r.out.find("not allowed") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
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
  std::vector<std::string> all{"-n", node_name_};
  all.insert(all.end(), args.begin(), args.end());
  return run_to_end(ctl_program, all, dir_.path(), std::chrono::seconds(90), env());
}

void rabbitmq_node::start() {
  if (::access(server_program, X_OK) != 0) {
    FAIL("rabbitmq-server is not installed (tools/install-deps.sh --test installs it)");
  }
  if (amqp_port_ == 0 || dist_port_ == 0 || epmd_port_ == 0) FAIL("no free loopback port");
  if (running()) return;
  server_ = std::make_unique<child_process>(server_program, std::vector<std::string>{}, dir_.path(),
                                            env());
  // The node registers with epmd only part-way through its boot; until then await_startup
  // fails at once instead of waiting, so it is asked again.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(150);
  run_result r;
  for (;;) {
    r = ctl({"await_startup", "--timeout", "120"});
    if (r.status == 0 || !server_->running() || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (r.status != 0) {
    const std::string log = read_file(dir_ / "log" / (node_name_ + ".log"));
    FAIL("private RabbitMQ node did not start: "
         << r.out << r.err << "\nserver stderr: " << server_->stderr_text()
         << "\nlog tail: " << log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  }
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
  static const std::string url = node.url();
  static bool tried = false;
  if (!tried) {
    tried = true;
    node.start();
  } else if (!node.running()) {
    FAIL("the shared private RabbitMQ node is not running (it failed to start or died)");
  }
  return url;
}

}  // namespace gg::test

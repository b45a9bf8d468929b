#pragma once
// RabbitMQ for integration tests: a private node on 127.0.0.1 with its own ports, directories,
// Erlang cookie and epmd, so it never meets a node the Debian package's service may run on the
// default ports (that one is left alone). Streams need RabbitMQ >= 3.9; Debian 12 ships 3.10.
// A missing rabbitmq-server fails the test that asks for it, it never skips.

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gg::test {

/// One private node. start() and stop() may be called again (a broker outage in a test); the
/// data directory survives a stop, so durable streams and their messages do too. Not
/// thread-safe: one test thread drives it.
class rabbitmq_node {
 public:
  rabbitmq_node();
  /// Stops the node (and its epmd) if it runs, and removes its directory.
  ~rabbitmq_node();
  rabbitmq_node(const rabbitmq_node&) = delete;
  rabbitmq_node& operator=(const rabbitmq_node&) = delete;

  /// Starts the node and waits (`rabbitmqctl await_startup`, at most a few minutes) until it
  /// takes connections. A first start that fails is tried again on fresh ports (so url() is
  /// known only after it); later starts keep the ports. Fails the running test, saying why
  /// (the node's output and log tail), when it cannot.
  void start();
  /// Stops it politely (`rabbitmqctl stop`), waiting for it to exit.
  void stop();
  /// Kills it (SIGKILL to its process group): a crashed broker.
  void kill();
  bool running();

  /// amqp://guest:guest@127.0.0.1:<port>/
  std::string url() const;
  int port() const noexcept { return amqp_port_; }
  /// Runs `rabbitmqctl <args>` against this node (killed after `timeout`, two minutes by
  /// default); {status, stdout, stderr}.
  run_result ctl(const std::vector<std::string>& args);
  run_result ctl(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

 private:
  std::map<std::string, std::string> env() const;
  void pick_ports();
  void stop_epmd();
  /// One boot: empty when the node answers, else why not (the node is then stopped).
  std::string try_start();

  pid_t owner_;
  temp_dir dir_;
  std::string node_name_;
  int amqp_port_ = 0;
  int dist_port_ = 0;
  int epmd_port_ = 0;
  bool started_ = false;
  std::unique_ptr<child_process> server_;
};

/// The node shared by every test of one executable: started on first use, stopped at exit.
/// With env GG_TEST_BROKER_URL set, that broker is used instead and nothing is started.
const std::string& rabbitmq_url();

}  // namespace gg::test

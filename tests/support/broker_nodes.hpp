#pragma once
// The nodes of a broker test: a private RabbitMQ node with a user of its own, and the command
// line every serve joined to it shares (the broker, the warehouse, no synthetic shoppers).

#include "rabbitmq_node.hpp"
#include "serve_process.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace gg::test {

/// The password of the broker user start_with_user() creates: a text no other output holds, so
/// a test can look for it in logs and answers.
inline constexpr const char* broker_password = "s3cret-Pw";

/// Starts `node` and gives it the user `shipper` (broker_password, every permission on `/`);
/// that user's URL.
std::string start_with_user(rabbitmq_node& node);

/// What every node of one test shares.
struct node_common {
  std::string broker_url;
  /// The warehouse; empty: each node runs the embedded PostgreSQL of its data directory.
  std::string database_url;

  /// `role_args` (e.g. {"--role", "loader"}) followed by --broker, --traffic off and, when set,
  /// --database-url.
  std::vector<std::string> args(std::vector<std::string> role_args) const;
};

/// Waits for `serve` to be ready; fails the running test with its log when it is not within
/// `timeout`.
void require_ready(serve_process& serve,
                   std::chrono::milliseconds timeout = std::chrono::seconds(180));

}  // namespace gg::test

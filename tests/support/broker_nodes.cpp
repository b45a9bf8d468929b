#include "broker_nodes.hpp"

#include <catch2/catch.hpp>

namespace gg::test {

std::string start_with_user(rabbitmq_node& node) {
  node.start();
  const auto added = node.ctl({"add_user", "shipper", broker_password});
  INFO(added.out << added.err);
  REQUIRE(added.status == 0);
  const auto allowed = node.ctl({"set_permissions", "-p", "/", "shipper", ".*", ".*", ".*"});
  INFO(allowed.out << allowed.err);
  REQUIRE(allowed.status == 0);
  return "amqp://shipper:" + std::string(broker_password) +
         "@127.0.0.1:" + std::to_string(node.port()) + "/";
}

std::vector<std::string> node_common::args(std::vector<std::string> role_args) const {
  role_args.insert(role_args.end(), {"--broker", broker_url, "--traffic", "off"});
  if (!database_url.empty()) role_args.insert(role_args.end(), {"--database-url", database_url});
  return role_args;
}

void require_ready(serve_process& serve, std::chrono::milliseconds timeout) {
  std::string why;
  const bool ready = serve.wait_ready(timeout, &why);
  INFO(why);
  REQUIRE(ready);
}

}  // namespace gg::test

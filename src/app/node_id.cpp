#include "node_id.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace gg::app {

gg::status check_node_id(std::string_view id) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (id.empty()) return gg::fail(errc::invalid_input, "a node id cannot be empty");
  if (id.size() > node_id_max_length) {
    return gg::fail(errc::invalid_input, fmt::format("node id '{}' is longer than {} characters",
                                                     id, node_id_max_length));
  }
  if (!alnum(id.front())) {
    return gg::fail(errc::invalid_input,
                    fmt::format("node id '{}' must start with a letter or a digit", id));
  }
  if (!std::all_of(id.begin(), id.end(),
                   [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; })) {
    return gg::fail(
        errc::invalid_input,
        fmt::format("node id '{}' may hold only letters, digits, '.', '_' and '-'", id));
  }
  return {};
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace gg::app

#include <gadgetgrove/core/node_id.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>

namespace gg {
namespace {

bool node_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

status check_node_id(std::string_view id) {
  if (id.empty()) return fail(errc::config, "a node id cannot be empty");
  if (id.size() > node_id_max_size) {
    return fail(errc::config,
                fmt::format("node id '{}' is longer than {} characters", id, node_id_max_size));
  }
  const auto bad = std::find_if_not(id.begin(), id.end(), node_id_char);
  if (bad != id.end()) {
    return fail(
        errc::config,
        fmt::format("node id '{}' holds '{}': use letters, digits, '.', '_' and '-'", id, *bad));
  }
  return {};
}

std::string default_node_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

std::string process_name(std::string_view node_id) {
  return fmt::format("{}:{}", node_id, ::getpid());
}

std::optional<process_name_parts> parse_process_name(std::string_view name) noexcept {
  const auto colon = name.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view digits = name.substr(colon + 1);
  // Nine digits stay below 2^31, pid_t's range.
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  pid_t pid = 0;
  for (char c : digits) pid = pid * 10 + (c - '0');
  if (pid <= 0) return std::nullopt;
  return process_name_parts{name.substr(0, colon), pid};
}

}  // namespace gg

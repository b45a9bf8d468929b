#include "node_roles.hpp"

#include <fmt/format.h>

#include <array>

namespace gg::app {
namespace {

constexpr std::array<node_role, 3> every_role{node_role::ingest, node_role::loader, node_role::web};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(node_role r) noexcept {
  switch (r) {
    case node_role::ingest:
      return "ingest";
    case node_role::loader:
      return "loader";
    case node_role::web:
      return "web";
  }
  return "unknown";
}

gg::result<node_roles> node_roles::parse(std::string_view text) {
  if (trim(text) == "all") return all();
  const std::string_view whole = text;
  std::uint8_t bits = 0;
  for (;;) {
    const auto comma = text.find(',');
    const auto name = trim(text.substr(0, comma));
    bool known = false;
    for (node_role r : every_role) {
      if (name == app::to_string(r)) {
        bits |= static_cast<std::uint8_t>(r);
        known = true;
      }
    }
    if (!known) {
      return gg::fail(errc::invalid_input,
                      name.empty() ? fmt::format("'{}' has an empty role (use all, or a comma-"
                                                 "separated list of ingest, loader, web)",
                                                 whole)
                                   : fmt::format("'{}' is not a role (use all, or a comma-"
                                                 "separated list of ingest, loader, web)",
                                                 name));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return node_roles(bits);
}

std::string node_roles::to_string() const {
  if (is_all()) return "all";
  std::string out;
  for (node_role r : every_role) {
    if (!has(r)) continue;
    if (!out.empty()) out += ',';
    out += app::to_string(r);
  }
  return out;
}

}  // namespace gg::app

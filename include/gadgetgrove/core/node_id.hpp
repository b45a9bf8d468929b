#pragma once
// A node's identity (docs/SCALING.md, "Node identity"): the node id names one machine among the
// nodes sharing a warehouse (`--node-id`, default the host name); the process name
// "<node id>:<pid>" names one process of it in the flows' run history. Every command builds
// both through this module.

#include <gadgetgrove/core/result.hpp>

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace gg {

/// The longest node id: a DNS label's 63 characters, so a host name label always fits.
inline constexpr std::size_t node_id_max_size = 63;

/// Accepts 1 to 63 characters of [A-Za-z0-9._-]: a node id travels in ledger keys
/// ("<queue>/<node id>/<file>"), in "<node id>:<pid>" and in metric labels, so it holds no '/',
/// ':' or anything needing quotes. Errors (errc::config) say what is wrong. Pure, thread-safe.
status check_node_id(std::string_view id);

/// This machine's host name (gethostname(2)), or "localhost" when it has none. Not checked:
/// a caller that uses it as a node id checks it first.
std::string default_node_id();

/// "<node_id>:<pid of this process>".
std::string process_name(std::string_view node_id);

/// The parts of a process name "<node id>:<pid>".
struct process_name_parts {
  std::string_view node_id;
  pid_t pid = 0;
};

/// Splits a process name at its last ':'; nullopt unless the node id is non-empty and the pid
/// a positive decimal that fits a pid_t. Pure, thread-safe.
std::optional<process_name_parts> parse_process_name(std::string_view name) noexcept;

}  // namespace gg

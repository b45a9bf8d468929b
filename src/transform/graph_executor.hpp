#pragma once
// Executes a DAG of nodes on a fixed set of worker threads, each with its own connection for the
// length of the run: independent nodes run in parallel, a failed node skips only its
// descendants, --fail-fast and a stop request end scheduling.

#include "statement_runner.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/transform/node_result.hpp>

#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace gg::transform {

/// One executable node. `execute` fills status, rows, messages (and test/source fields); the
/// executor fills unique_id, resource_type, name, relation, materialization, timing and
/// thread_id from here.
struct exec_node {
  std::string unique_id;
  std::string resource_type;
  std::string name;
  std::string relation;
  std::string materialization;
  std::vector<std::size_t> parents;  // indices of nodes that must finish first
  std::function<node_result(statement_runner&)> execute;
};

struct executor_options {
  std::string conninfo;
  unsigned threads = 4;
  bool fail_fast = false;
  std::stop_token stop;
  /// Called as each node finishes, skipped ones included; calls are serialised.
  std::function<void(const node_result&)> on_done;
};

/// Whether a node with this status lets its descendants run (success, pass, warn).
bool lets_descendants_run(node_status s) noexcept;

/// Runs `nodes` (parents must have smaller indices: DAG order) and returns every node's result in
/// completion order. Opens min(threads, nodes) connections up front and closes them before
/// returning; errc::unavailable when one cannot be opened (nothing ran then). Blocks.
result<std::vector<node_result>> execute_graph(std::vector<exec_node> nodes,
                                               const executor_options& options);

}  // namespace gg::transform

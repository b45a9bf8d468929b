#pragma once
// Compiling a node to the SQL that runs: the model's template rendered in the dbt context for a
// given state, ephemeral models inlined as CTEs, event-time filters applied to refs/sources.

#include "project/project.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gg::transform {

/// The state a node is compiled for.
struct compile_state {
  /// What is_incremental() returns (the runner decides, as dbt does: relation exists as a
  /// table, model incremental, no full refresh).
  bool is_incremental = false;
  /// When set, every ref/source whose node declares `event_time` renders as a subquery keeping
  /// rows with event_time >= start and < end (either bound may be absent): a microbatch batch
  /// or a lookback window. `ref(..).render()` opts out.
  std::optional<sys_us> event_time_start;
  std::optional<sys_us> event_time_end;
  /// When set, every ref/source whose node declares `load_stamp` renders as a subquery keeping
  /// rows with load_stamp >= this value: the rows a load-stamped model has not yet seen all.
  std::optional<std::int64_t> load_stamp_from;
  /// The relation `this` names; empty: the node's own relation.
  std::optional<relation_name> this_relation;
};

/// A compiled node. For a test, `sql` selects the failing rows.
struct compiled_node {
  std::string sql;
  std::vector<std::string> pre_hooks;
  std::vector<std::string> post_hooks;
};

/// Compiles `n` (a model or a test of `p`) for `state`. Thread-safe. Errors
/// (errc::invalid_input) name the file, line and column: template errors, a ref not found at
/// parse time ("add -- depends_on: {{ ref('x') }}"), a source node (nothing to compile).
gg::result<compiled_node> compile(const project& p, const node& n, const compile_state& state = {});

/// `'2026-11-26T15:19:11.123456Z'::timestamptz`: how a window bound is written into SQL.
std::string timestamptz_literal(sys_us t);

}  // namespace gg::transform

#pragma once
// Builds one model in the database with dbt-postgres semantics: view, table (built under a
// temporary name and swapped in one transaction), incremental (append, delete+insert, merge,
// microbatch, and our retract) with on_schema_change, our lookback window, hooks and indexes.

#include "model_spec.hpp"
#include "statement_runner.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gg::transform {

struct materialize_options {
  bool full_refresh = false;               // --full-refresh (the model's config overrides it)
  std::optional<sys_us> event_time_start;  // microbatch backfill bounds
  std::optional<sys_us> event_time_end;
  sys_us now{};  // the run's clock, for microbatch batches
};

struct materialize_outcome {
  std::optional<std::uint64_t> rows;
  std::string adapter_message;  // "SELECT 12", "INSERT 0 4", "CREATE VIEW", "3 batches"
  /// A failure that still left some work done (microbatch batches that failed after a retry);
  /// empty when everything succeeded.
  std::string partial_failure;
};

/// Builds `spec` on `stmt`'s connection, compiling it through `compile` for the state found in
/// the database. Blocks. An error names the model file and the failing line of the compiled SQL;
/// errc::cancelled when the stop token fired. The target schema must exist (ensure_schema).
result<materialize_outcome> materialize(statement_runner& stmt, const model_spec& spec,
                                        const compile_fn& compile,
                                        const materialize_options& options);

/// Whether is_incremental() holds for `spec` now: it is incremental, its relation exists as a
/// table and no full refresh applies (the model's full_refresh config overrides `full_refresh`).
result<bool> is_incremental(pg::connection& conn, const model_spec& spec, bool full_refresh);

/// CREATE SCHEMA IF NOT EXISTS, tolerating another session creating it at the same moment.
status ensure_schema(statement_runner& stmt, const std::string& schema);

/// The event-time batches [start, end) of a microbatch model, in order. Exposed for tests.
std::vector<event_window> microbatch_windows(sys_us first, sys_us end, batch_size size);
/// `t` truncated to the start of its batch (UTC).
sys_us truncate_to_batch(sys_us t, batch_size size);
/// `t` moved by `n` batches (negative: back).
sys_us offset_batches(sys_us t, batch_size size, int n);

}  // namespace gg::transform

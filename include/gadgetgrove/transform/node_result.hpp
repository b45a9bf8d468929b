#pragma once
// The outcome of one node (model, test or source) in a transformation run.

#include <gadgetgrove/core/time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::transform {

/// dbt's node statuses: models end success/error/skipped; tests pass/warn/fail/error/skipped;
/// sources (freshness) pass/warn/error. `cancelled` marks nodes stopped by a stop request.
enum class node_status { success, error, skipped, warn, fail, pass, cancelled };
std::string_view to_string(node_status s) noexcept;

/// One node's result, as printed, written to run_results.json and stored in
/// pipeline.model_runs / pipeline.test_results / pipeline.source_freshness.
struct node_result {
  std::string unique_id;      // "model.shop.stg_orders", "test.shop.unique_x", "source.shop.a.b"
  std::string resource_type;  // "model", "test", "source"
  std::string name;
  std::string relation;         // "schema"."identifier" for models; empty otherwise
  std::string materialization;  // "table", "incremental", ... (models); empty otherwise
  node_status status = node_status::skipped;
  sys_us started{};
  std::chrono::microseconds duration{0};
  /// Rows inserted/affected; nullopt when the statement reports none (views).
  std::optional<std::uint64_t> rows_affected;
  /// The server's command tag or our summary ("SELECT 12", "INSERT 0 4", "3 batches").
  std::string adapter_message;
  /// Why it failed, with the failing line of the compiled SQL and the model file; or the
  /// reason it was skipped; or a test's "Got 3 results, configured to fail if != 0".
  std::string message;
  /// Failing rows of a test; nullopt for other nodes.
  std::optional<std::uint64_t> failures;
  /// For tests: the tested model's unique_id and column (may be empty).
  std::string tested_node;
  std::string tested_column;
  /// For source freshness: the newest loaded_at and the age at the check.
  std::optional<sys_us> max_loaded_at;
  std::optional<double> age_seconds;
  std::string thread_id;  // "Thread-1" as dbt names them
};

}  // namespace gg::transform

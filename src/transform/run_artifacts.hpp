#pragma once
// What a run leaves behind: target/run_results.json (dbt's field names, so tools that read dbt's
// artifacts read ours), target/sources.json for freshness, and rows in the pipeline.* history.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/transform/run_options.hpp>
#include <gadgetgrove/transform/run_summary.hpp>

#include <filesystem>
#include <string>

namespace gg::transform {

/// The run_results.json document (schema v6 field names: metadata, results[] with unique_id,
/// status, timing, thread_id, execution_time, adapter_response, message, failures, plus
/// elapsed_time and args).
std::string run_results_json(const run_summary& summary, const run_options& options);

/// The sources.json document of a freshness run (results[] with unique_id, max_loaded_at,
/// snapshotted_at, max_loaded_at_time_ago_in_s, status).
std::string sources_json(const run_summary& summary);

/// Writes `text` to `dir`/`name` (creating `dir`) through a temporary file and a rename, so a
/// reader never sees half a file. errc::io on failure.
status write_artifact(const std::filesystem::path& dir, const std::string& name,
                      const std::string& text);

/// Inserts the run into pipeline.transform_runs and each result into pipeline.model_runs, tests
/// also into pipeline.test_results and sources into pipeline.source_freshness, in one
/// transaction, every value a bound parameter. Blocks.
status store_run(pg::connection& conn, const run_summary& summary, const run_options& options,
                 const std::string& project_name);

}  // namespace gg::transform

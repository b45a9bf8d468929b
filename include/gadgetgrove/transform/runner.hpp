#pragma once
// Runs a dbt-style project against PostgreSQL: the entry point of the `transform` stage, used by
// the CLI, by serve's periodic job and by the flows stage.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/transform/run_options.hpp>
#include <gadgetgrove/transform/run_summary.hpp>

#include <string>

namespace gg::transform {

/// Loads the project, selects nodes and executes them on `options.threads` workers (one
/// connection each, opened for this run and closed before returning), then writes
/// run_results.json when asked and stores every result in pipeline.model_runs /
/// pipeline.test_results / pipeline.source_freshness. Blocks until done or stopped.
/// Errors (the run did not start): errc::config / errc::invalid_input for a project or
/// selection that does not load (the message names the file and position), errc::unavailable
/// when the database cannot be reached. Node failures are not errors: they are in the summary.
/// Thread-safe: independent runs may execute at once (the stage serialises its own).
gg::result<run_summary> run(const run_options& options);

/// The aligned table printed after a run (one row per node, then the totals line).
std::string format_summary(const run_summary& summary);

/// The one line printed as a node finishes, like dbt's "1 of 5 OK created sql table model ...".
std::string format_progress(const node_result& result);

}  // namespace gg::transform

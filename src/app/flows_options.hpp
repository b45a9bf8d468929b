#pragma once
// The options of `gadgetgrove runs` and `gadgetgrove run <flow>` that no other subcommand has.

#include "settings.hpp"

#include <CLI/CLI.hpp>

namespace gg::app {

/// --flow, --state, --limit, --json.
void add_runs_options(CLI::App& runs, settings& s);
/// The flow name, --full-refresh, --select, --replay-rejects and --param key=value.
void add_run_options(CLI::App& run, settings& s);

}  // namespace gg::app

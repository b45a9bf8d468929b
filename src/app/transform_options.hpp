#pragma once
// The options of `gadgetgrove transform` that only it has (dbt's flags), kept out of the shared
// option table: they are per invocation, not configuration, so they have no config-file or
// environment layer.

#include "settings.hpp"

#include <CLI/CLI.hpp>

namespace gg::app {

/// Adds the action positional and --project, --select/-s, --exclude, --threads, --full-refresh,
/// --fail-fast, --vars, --target-schema, --event-time-start/--event-time-end and --target-path
/// to `transform`, bound to `s`.
void add_transform_options(CLI::App& transform, settings& s);

}  // namespace gg::app

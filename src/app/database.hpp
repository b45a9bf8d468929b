#pragma once
// The database every subcommand uses, resolved one way (pg::database_stage): an explicit URL
// (or the PG* variables), else the embedded cluster of the data directory — used as it is when
// a running `serve` holds it, otherwise started for as long as this process needs it.

#include "settings.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/database_stage.hpp>

#include <filesystem>

namespace gg::app {

/// The folder with migrations/ and transform/: --sql-dir, else the installed
/// share/gadgetgrove/sql next to the binary, else the source tree the binary was built from.
gg::result<std::filesystem::path> resolve_sql_dir(const settings& s);

/// The database stage's options for `s`; fails when the sql folder cannot be found.
/// `owns_data_dir`: this process holds the serve lock (see pg::database_options).
gg::result<pg::database_options> database_options_for(const settings& s, bool owns_data_dir);

}  // namespace gg::app

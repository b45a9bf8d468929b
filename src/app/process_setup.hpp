#pragma once
// Start-up steps every subcommand shares: logging and the data directory.

#include "settings.hpp"

#include <gadgetgrove/core/result.hpp>

#include <filesystem>

namespace gg::app {

/// Applies --log-level and --log-format.
void configure_logging(const settings& s);

/// Creates the data directory if needed and returns its absolute path. Mode 0711: when started
/// as root the embedded PostgreSQL (run as another user) must be able to pass through it,
/// while nobody else can list what is inside.
gg::result<std::filesystem::path> prepare_data_dir(const std::string& dir);

}  // namespace gg::app

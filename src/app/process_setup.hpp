#pragma once
// Start-up steps every subcommand shares: logging and the data directory.

#include "settings.hpp"

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace gg::app {

/// Applies --log-level and --log-format.
void configure_logging(const settings& s);

/// What tighten_data_dir_modes changed, or could not.
struct mode_report {
  std::uint64_t fixed = 0;   // directories and files whose group/other bits were cleared
  std::uint64_t failed = 0;  // entries it could not chmod (another owner, a read-only mount)
  std::string first_fixed, first_failed;  // a path of each kind, for the log
};

/// Creates the data directory if needed, returns its absolute path, and runs
/// tighten_data_dir_modes on it (logging what was fixed as a warning, what could not be as an
/// error).
gg::result<std::filesystem::path> prepare_data_dir(const std::string& dir);

/// The mode the data directory must have: 0700, or 0711 when running as root, since the
/// embedded PostgreSQL then runs as its own user and must pass through it (nobody else can list
/// it either way).
unsigned data_dir_mode() noexcept;

/// Makes `data_dir` data_dir_mode() and every directory under its log/, archive/ and
/// quarantine/ 0700 and every file there owner-only (0600, a read-only 0400 stays so): events
/// are personal data. Clears only group and other bits; follows no symlink; leaves the embedded
/// PostgreSQL's directory to it. Never fails: what it cannot change is reported.
mode_report tighten_data_dir_modes(const std::filesystem::path& data_dir);

}  // namespace gg::app

#pragma once
// The command line: subcommands, their options, and the layering of defaults, the config file,
// environment variables and arguments into one `settings`.

#include "settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gg::app {

enum class command { serve, init, load, simulate, version, transform, runs, run };

/// Where the effective value of one option came from, for `--print-config`.
struct option_origin {
  std::string name;    // "data-dir"
  std::string value;   // as given (secrets masked)
  std::string source;  // "default", "config <file>", "env GADGETGROVE_DATA_DIR", "command line"
};

struct parsed_cli {
  command cmd = command::version;
  settings opts;
  std::vector<option_origin> origins;
};

/// Looks up an environment variable; tests pass their own.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
env_lookup process_env();

/// Parses `args` (without the program name). Returns the parsed command, or the exit code to
/// leave with after help was printed (0) or an error was reported on `err` in one line (2).
std::variant<parsed_cli, int> parse_cli(const std::vector<std::string>& args, const env_lookup& env,
                                        std::string& out, std::string& err);

/// "250ms", "10s", "15m", "1h", "2d", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Names of every option of every subcommand (without the leading dashes).
std::vector<std::string> option_names();

/// The `--print-config` table.
std::string format_origins(const std::vector<option_origin>& origins);

}  // namespace gg::app

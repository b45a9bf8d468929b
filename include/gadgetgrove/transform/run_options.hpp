#pragma once
// What one transformation run does: the command, the project, the selection and the knobs that
// dbt users know from `dbt run|build|test|source freshness`.

#include <gadgetgrove/core/time.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace gg::transform {

struct node_result;

/// The commands that execute against the database (`compile`, `ls` and `graph` only print and
/// live in the CLI).
enum class run_command {
  run,        // models
  test,       // data tests
  build,      // models and their tests in DAG order
  freshness,  // source freshness
};
std::string_view to_string(run_command c) noexcept;

/// Everything a run needs. Copyable; the callbacks are called from worker threads (see each).
struct run_options {
  run_command command = run_command::run;
  /// The dbt-style project directory (holds dbt_project.yml).
  std::filesystem::path project_dir;
  /// libpq conninfo of the target database (password included; never logged).
  std::string conninfo;
  /// dbt selection syntax; each entry is one `--select` value (space-separated union inside).
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  /// Worker threads, each with its own connection for the length of the run (at least 1).
  unsigned threads = 4;
  bool full_refresh = false;
  /// Stop scheduling after the first error or failure; running nodes finish, the rest is skipped.
  bool fail_fast = false;
  /// `--vars` text: a YAML or JSON mapping.
  std::string vars;
  /// target.schema for templates and generate_schema_name.
  std::string target_schema = "public";
  std::string target_name = "default";
  /// Microbatch backfill bounds (`--event-time-start/--event-time-end`), UTC.
  std::optional<sys_us> event_time_start;
  std::optional<sys_us> event_time_end;
  /// When set, `run_results.json` (and `sources.json` for freshness) is written here.
  std::optional<std::filesystem::path> target_path;
  /// Requesting a stop ends scheduling and cancels running statements (PQcancel); the summary
  /// then says cancelled.
  std::stop_token stop;
  /// Who started the run ("cli", "serve", "flow:<name>"); stored with the run.
  std::string trigger = "cli";
  /// Called once per node as it finishes (from the worker thread that ran it; calls are
  /// serialised). May be empty.
  std::function<void(const node_result&)> on_node_done;
};

}  // namespace gg::transform

#pragma once
// A dbt-format project loaded from its directory: dbt_project.yml, YAML property files, macros,
// models, singular tests and sources, parsed once and joined into a graph.

#include "project/graph.hpp"
#include "project/node.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::transform {

namespace detail {
struct project_state;  // templates, macros and the environment (project_state.hpp)
}  // namespace detail

/// Looks up an environment variable for env_var(); nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// How to load a project: the target the templates see and the variables they read.
struct load_options {
  std::string vars;  // YAML or JSON mapping, as `--vars '{key: value}'`; overrides the project's
  std::string target_name = "default";
  std::string target_schema = "public";
  std::string target_database;  // target.database; relations are rendered without it
  std::string target_user;
  int threads = 1;                       // target.threads
  env_lookup env;                        // empty: the process environment (getenv)
  std::optional<sys_us> run_started_at;  // empty: the time of the load
};

/// A loaded project. Loading parses everything and renders each model and singular test once
/// in a parse context (ref/source record dependencies, config() records configuration,
/// is_incremental() is false, execute is false), exactly as dbt parses, then resolves configs,
/// schemas and aliases and builds the graph.
///
/// Immutable after load; copies share the loaded state. Every const member, and compile(),
/// may be used from several threads at once.
class project {
 public:
  /// Loads the project in `dir`. Errors (errc::invalid_input unless I/O failed) name the file
  /// and, where there is one, line and column: YAML syntax, unknown keys where dbt rejects them,
  /// template errors, a ref/source to nothing ("did you mean"), a cycle (the chain with files).
  static gg::result<project> load(const std::filesystem::path& dir, const load_options& opts = {});

  const std::string& name() const noexcept;
  const std::filesystem::path& root() const noexcept;

  /// Enabled nodes (models, tests, sources) in graph order (topological, ties by unique_id).
  const std::vector<node>& nodes() const noexcept;
  /// The node with `unique_id`, or nullptr.
  const node* find(std::string_view unique_id) const noexcept;
  /// The enabled model named `name`, or nullptr.
  const node* find_model(std::string_view name) const noexcept;
  /// Parents and children of every node.
  const class graph& graph() const noexcept;

  /// The target schema and name given at load.
  const load_options& options() const noexcept;

  /// The loaded templates and environment; for the compiler, not for other stages.
  const detail::project_state& state() const noexcept { return *state_; }

 private:
  explicit project(std::shared_ptr<const detail::project_state> s) : state_(std::move(s)) {}
  std::shared_ptr<const detail::project_state> state_;
};

}  // namespace gg::transform

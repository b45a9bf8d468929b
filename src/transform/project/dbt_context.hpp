#pragma once
// The pieces of dbt's template context shared by parsing and compiling: relation objects,
// the config object, the globals every render sees (var, env_var, target, run_started_at,
// adapter, log, exceptions) and dbt's config merge rule. Private to the project library.

#include "jinja/environment.hpp"
#include "jinja/value.hpp"
#include "project/node.hpp"
#include "project/project.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gg::transform::detail {

/// An event-time filter applied when a relation is printed.
struct event_time_filter {
  std::string column;
  std::optional<sys_us> start;
  std::optional<sys_us> end;
  std::string stamp_column;  // a load stamp: rows with stamp_column >= stamp_from
  std::optional<std::int64_t> stamp_from;
};

/// A relation as templates see it: prints as `"schema"."identifier"`, as a CTE name for an
/// ephemeral model, or as an event-time filtered subquery. Immutable; thread-safe.
class relation_object final : public jinja::object {
 public:
  relation_object(relation_name rel, std::string type, std::optional<event_time_filter> filter,
                  std::string cte_name = {})
      : rel_(std::move(rel)),
        type_(std::move(type)),
        filter_(std::move(filter)),
        cte_name_(std::move(cte_name)) {}

  std::optional<jinja::value> attr(std::string_view name) const override;
  std::string str() const override;
  std::string type_name() const override { return "Relation"; }

  const relation_name& relation() const noexcept { return rel_; }

 private:
  relation_name rel_;
  std::string type_;  // "table", "view", "cte", "" (unknown, e.g. a source)
  std::optional<event_time_filter> filter_;
  std::string cte_name_;  // set for an ephemeral model
};

/// A relation value for templates.
jinja::value make_relation(relation_name rel, std::string type,
                           std::optional<event_time_filter> filter = std::nullopt,
                           std::string cte_name = {});

/// The object behind `config`: `config(...)` records keyword arguments (parse time) or does
/// nothing (compile time); `config.get(key, default)` and `config.require(key)` read the
/// configuration. Used by one render at a time.
class config_object final : public jinja::object {
 public:
  /// `values` is read by get/require; when `record` is true, config(...) merges into it.
  config_object(std::shared_ptr<jinja::dict> values, bool record)
      : values_(std::move(values)), record_(record) {}

  std::optional<jinja::value> attr(std::string_view name) const override;
  std::string str() const override { return ""; }
  bool callable() const override { return true; }
  gg::result<jinja::value> call(jinja::call_args& args) override;
  std::string type_name() const override { return "Config"; }

 private:
  std::shared_ptr<jinja::dict> values_;
  bool record_;
};

/// dbt's spelling of a config key: `pre-hook` and `post-hook` become `pre_hook`/`post_hook`.
std::string normalize_config_key(std::string_view key);

/// Sets `key` in `into` as dbt merges configs: tags, pre_hook and post_hook accumulate
/// (a string counts as a list of one), meta merges, every other key replaces.
void merge_config(jinja::dict& into, const std::string& key, const jinja::value& v);

/// What the globals are built from.
struct globals_input {
  std::string project_name;
  const load_options* options = nullptr;
  jinja::dict vars;  // project vars (global and project-scoped) with --vars applied
  sys_us run_started_at{};
};

/// Defines var, env_var, target, run_started_at, adapter, log, exceptions, project_name,
/// dbt_version and the names of unsupported dbt features (each an error when used).
void install_globals(jinja::environment& env, const globals_input& in);

/// The node as templates see it (`model`, and the node argument of generate_schema_name):
/// a dict with name, unique_id, resource_type, package_name, original_file_path, path, fqn,
/// tags, config, description and raw_code.
jinja::value node_value(const node& n, const std::string& project_name, const jinja::dict& config);

/// Python's str() of a UTC datetime: `2026-12-04 17:00:00.123456+00:00`.
std::string python_datetime_str(sys_us t, char separator = ' ');

}  // namespace gg::transform::detail

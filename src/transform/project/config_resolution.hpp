#pragma once
// Turning raw config dicts into typed node_config, and dbt_project.yml folder configs.
// Private to the project library.

#include "jinja/environment.hpp"
#include "jinja/value.hpp"
#include "project/node.hpp"

#include <gadgetgrove/core/result.hpp>

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace gg::transform::detail {

/// Config keys dbt accepts without a `+` prefix in dbt_project.yml (a key with `+` is always a
/// config; any other key is a folder or model name).
bool is_known_config_key(std::string_view key) noexcept;

/// Whether a config value's Jinja is rendered when YAML is read (dbt renders hooks only when
/// the node compiles, where `this` exists).
bool renders_at_parse(std::string_view key) noexcept;

/// The configs set at one folder level of a dbt_project.yml resource tree (`models:`,
/// `data_tests:`, `sources:`): `path` is [project, folder, ...] (or [] at the top).
struct folder_config {
  std::vector<std::string> path;
  jinja::dict config;
};

/// Flattens a resource tree, rendering Jinja in values. Errors name file:line:col.
gg::status collect_folder_configs(const jinja::environment& env, const std::string& file,
                                  const YAML::Node& tree, std::vector<folder_config>& out);

/// Merges into `into`, shallow levels first, every folder config whose path is a prefix of
/// `fqn`.
void apply_folder_configs(const std::vector<folder_config>& folders,
                          const std::vector<std::string>& fqn, jinja::dict& into);

/// The typed view of `raw` for a node of kind `kind`. Errors (errc::invalid_input) start with
/// `where` (the node's file) and name the key and the accepted values.
gg::result<node_config> typed_config(const jinja::dict& raw, node_kind kind,
                                     const std::string& where);

}  // namespace gg::transform::detail

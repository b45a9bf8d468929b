#pragma once
// YAML documents as the project reads them: loading with positions, scalars typed as YAML 1.2
// types them, conversion to template values, and key checks that name file:line:col.
// Private to the project library.

#include "jinja/environment.hpp"
#include "jinja/value.hpp"

#include <gadgetgrove/core/result.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace gg::transform::detail {

/// A YAML file with the name errors use (the path relative to the project root).
struct yaml_file {
  std::string name;
  YAML::Node root;
};

/// Reads and parses `path`. A syntax error names `name`:line:col.
gg::result<yaml_file> load_yaml(const std::filesystem::path& path, std::string name);
/// Parses `text` (e.g. `--vars`), naming errors after `name`.
gg::result<YAML::Node> parse_yaml(std::string_view text, const std::string& name);

/// "<file>:<line>:<col>" of `n` (1-based).
std::string position(const std::string& file, const YAML::Node& n);
/// errc::invalid_input "<file>:<line>:<col>: <message>".
gg::error yaml_error(const std::string& file, const YAML::Node& n, std::string_view message);

/// Every key of mapping `n` must be in `allowed`; else an error at the key naming it and what
/// it was found in (`what`), with the closest allowed key as a hint.
gg::status check_keys(const std::string& file, const YAML::Node& n,
                      std::initializer_list<std::string_view> allowed, std::string_view what);

/// Whether a plain scalar's text would be typed as a string (quoted scalars always are).
bool is_string_scalar(const YAML::Node& n);

/// Converts a YAML node to a template value: plain scalars become null/bool/int/float as
/// YAML 1.2 types them (also True/False/None as dbt users write them), quoted ones strings.
jinja::value to_value(const YAML::Node& n);

/// Types the text a template rendered, as dbt's native rendering does for a value that was a
/// single `{{ ... }}` expression: "True" -> true, "3" -> 3, "None" -> none, else the string.
jinja::value retype_rendered(const std::string& text);

/// Whether `text` holds Jinja (`{{`, `{%` or `{#`).
bool has_jinja(std::string_view text) noexcept;

/// Like to_value, rendering every string scalar holding Jinja with `env` (empty context).
/// Errors name the file, the line and column of the scalar, and the template's own error.
gg::result<jinja::value> to_rendered_value(const jinja::environment& env, const std::string& file,
                                           const YAML::Node& n);

/// The closest of `candidates` to `word` (edit distance at most 2), or "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gg::transform::detail

#include "project/project.hpp"

#include "project/builtin_macros.hpp"
#include "project/config_resolution.hpp"
#include "project/dbt_context.hpp"
#include "project/project_state.hpp"
#include "project/yaml_value.hpp"

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_set>

namespace gg::transform {
namespace fs = std::filesystem;

namespace {

using detail::folder_config;
using detail::yaml_error;
using jinja::call_args;
using jinja::value;

const gg::logger log_project{"transform"};

gg::result<std::string> read_text(const fs::path& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return gg::fail(errc::io, fmt::format("{}: cannot open", name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Files under root/dir with one of `exts`, sorted, as paths relative to root.
std::vector<std::string> files_under(const fs::path& root, const std::string& dir,
                                     std::initializer_list<std::string_view> exts) {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path base = root / dir;
  if (!fs::is_directory(base, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string ext = it->path().extension().string();
    if (std::find(exts.begin(), exts.end(), ext) == exts.end()) continue;
    // Lexical: fs::relative would resolve symlinks with a realpath per file.
    out.push_back(it->path().lexically_relative(root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Folders between a resource path and the file: "models/a/b/x.sql" under "models" -> [a, b].
std::vector<std::string> folders_of(const std::string& rel_file, const std::string& resource_dir) {
  std::vector<std::string> out;
  fs::path p = fs::path(rel_file).lexically_relative(resource_dir).parent_path();
  for (const auto& part : p) {
    if (!part.empty() && part != ".") out.push_back(part.string());
  }
  return out;
}

std::vector<std::string> string_list_of(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsScalar()) out.push_back(n.Scalar());
  if (n.IsSequence()) {
    for (const YAML::Node& item : n) out.push_back(item.Scalar());
  }
  return out;
}

/// dbt's names for a generic test: the full name <test>_<target>_<flattened args> (the node
/// name), and the name of its relation: the same when shorter than 64 characters, else its
/// first 30 characters of <test>_<target> and a hash of the full name.
std::pair<std::string, std::string> generic_test_names(const std::string& test_identifier,
                                                       const std::string& target,
                                                       const jinja::dict& kwargs) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : kwargs) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> parts;
  for (const std::string& k : keys) {
    const value& v = *kwargs.find(k);
    if (v.is_dict()) {
      for (const auto& [dk, dv] : v.as_dict()) parts.push_back(dv.str());
    } else if (v.is_list()) {
      for (const value& item : v.as_list()) parts.push_back(item.str());
    } else {
      parts.push_back(v.str());
    }
  }
  // Python's re.sub("[^0-9a-zA-Z_]+", "_", part) for each part, joined by "__".
  std::string unique;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) unique += "__";
    bool in_run = false;
    for (char c : parts[i]) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        unique += c;
        in_run = false;
      } else if (!in_run) {
        unique += '_';
        in_run = true;
      }
    }
  }
  const std::string prefix = fmt::format("{}_{}", test_identifier, target);
  std::string full = fmt::format("{}_{}", prefix, unique);
  if (full.size() < 64) return {full, full};
  char hex[16];
  write_hex16(checksum64(full), hex);
  return {fmt::format("{}_{}", prefix.substr(0, 30), std::string_view(hex, 16)), full};
}

/// Config keys a generic test accepts next to its arguments (dbt's "modifier" keys).
bool is_test_modifier(std::string_view key) {
  static const std::set<std::string_view> keys = {
      "severity", "tags",           "enabled",           "where",     "limit", "warn_if",
      "error_if", "store_failures", "store_failures_as", "fail_calc", "meta",  "database",
      "schema",   "alias"};
  return keys.count(key) != 0;
}

/// One model (or singular test) while loading.
struct pending {
  node n;
  detail::node_templates templates;
  std::shared_ptr<jinja::dict> config = std::make_shared<jinja::dict>();
  std::vector<std::pair<std::string, std::string>> refs;     // (package or "", name)
  std::vector<std::pair<std::string, std::string>> sources;  // (source, table)
  bool patched = false;
};

/// A generic test definition found in a property file.
struct test_definition {
  std::string file;
  std::string position;  // file:line:col of the definition
  std::vector<std::string> folders;
  std::string test_name;
  std::optional<std::string> custom_name;
  std::string attached_model;                                          // model name, or
  std::optional<std::pair<std::string, std::string>> attached_source;  // (source, table)
  std::optional<std::string> column;
  jinja::dict kwargs;  // without model and column_name
  jinja::dict config;
};

/// A source table while loading.
struct source_table {
  node n;
  std::string file;
};

class loader {
 public:
  loader(fs::path root, const load_options& opts) : root_(std::move(root)), opts_(opts) {
    st_ = std::make_shared<detail::project_state>();
  }

  gg::result<std::shared_ptr<const detail::project_state>> run();

 private:
  gg::status read_project_file();
  gg::status set_up_environment();
  gg::status read_property_file(const std::string& rel);
  gg::status read_model_patch(const std::string& file, const YAML::Node& m,
                              const std::vector<std::string>& folders);
  gg::status read_source(const std::string& file, const YAML::Node& s,
                         const std::vector<std::string>& folders);
  gg::status read_tests(const std::string& file, const YAML::Node& list,
                        const std::vector<std::string>& folders, test_definition base);
  // A model or singular test read from `rel` (a path under the model or test folder `dir`):
  // kind, name, unique id, fqn and raw code set; the rest is left to the caller.
  gg::result<pending> read_sql_node(node_kind kind, const std::string& rel, const std::string& dir);
  // The tests of a model or source table entry: its own `tests:`/`data_tests:` and those of each
  // of its `columns:`, whose names are appended to `columns`.
  gg::status read_entry_tests(const std::string& file, const YAML::Node& entry,
                              const std::vector<std::string>& folders, const test_definition& base,
                              std::vector<std::string>& columns);
  gg::status parse_node(pending& p);
  gg::result<pending> build_generic_test(const test_definition& def);
  gg::status resolve_naming(node& n, const jinja::dict& raw);
  jinja::context parse_context(pending& p);
  value node_dict(const node& n, const jinja::dict& config) const;
  std::string did_you_mean(const std::string& name) const;

  fs::path root_;
  const load_options& opts_;
  std::shared_ptr<detail::project_state> st_;
  std::string project_file_ = "dbt_project.yml";
  std::vector<std::string> model_paths_{"models"};
  std::vector<std::string> macro_paths_{"macros"};
  std::vector<std::string> test_paths_{"tests"};
  YAML::Node models_tree_, tests_tree_, sources_tree_;
  jinja::dict vars_;
  std::vector<folder_config> model_folders_, test_folders_, source_folders_;

  std::map<std::string, pending> models_;  // by name
  std::map<std::string, std::string> model_files_;
  std::vector<pending> singular_tests_;
  std::vector<test_definition> test_defs_;
  std::map<std::pair<std::string, std::string>, source_table> sources_;
  std::map<std::string, jinja::dict> patch_configs_;  // model name -> YAML config
  std::map<std::string, std::string> patch_files_;
  std::size_t argument_macros_ = 0;
};

gg::status loader::read_project_file() {
  const fs::path path = root_ / project_file_;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return gg::fail(errc::invalid_input,
                    fmt::format("{}: no dbt_project.yml in this directory", root_.string()));
  }
  auto f = detail::load_yaml(path, project_file_);
  if (!f) return f.error();
  const YAML::Node& y = f->root;
  if (auto st = detail::check_keys(project_file_, y,
                                   {"name",
                                    "version",
                                    "profile",
                                    "config-version",
                                    "model-paths",
                                    "source-paths",
                                    "macro-paths",
                                    "test-paths",
                                    "seed-paths",
                                    "data-paths",
                                    "snapshot-paths",
                                    "analysis-paths",
                                    "docs-paths",
                                    "asset-paths",
                                    "target-path",
                                    "log-path",
                                    "packages-install-path",
                                    "clean-targets",
                                    "require-dbt-version",
                                    "quoting",
                                    "vars",
                                    "models",
                                    "seeds",
                                    "snapshots",
                                    "tests",
                                    "data_tests",
                                    "sources",
                                    "on-run-start",
                                    "on-run-end",
                                    "flags",
                                    "query-comment",
                                    "dispatch",
                                    "restrict-access",
                                    "analyses",
                                    "exposures",
                                    "metrics",
                                    "semantic-models",
                                    "saved-queries"},
                                   "dbt_project.yml");
      !st) {
    return st;
  }
  const YAML::Node name = y["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty()) {
    return gg::fail(errc::invalid_input, fmt::format("{}: 'name' is required", project_file_));
  }
  st_->name = name.Scalar();
  static const std::regex ident("[A-Za-z_][A-Za-z0-9_]*");
  if (!std::regex_match(st_->name, ident)) {
    return yaml_error(
        project_file_, name,
        fmt::format("project name '{}' must be letters, digits and underscores", st_->name));
  }
  auto paths = [&](const char* key, std::vector<std::string>& out) {
    if (const YAML::Node n = y[key]) out = string_list_of(n);
  };
  paths("source-paths", model_paths_);
  paths("model-paths", model_paths_);
  paths("macro-paths", macro_paths_);
  paths("test-paths", test_paths_);
  for (const char* hooks : {"on-run-start", "on-run-end"}) {
    const YAML::Node n = y[hooks];
    if (n && !n.IsNull() && !(n.IsSequence() && n.size() == 0)) {
      return yaml_error(
          project_file_, n,
          fmt::format("{} hooks are not supported; use a model's pre_hook/post_hook", hooks));
    }
  }
  if (const YAML::Node d = y["dispatch"]; d && !d.IsNull()) {
    return yaml_error(project_file_, d, "dispatch is not supported (packages are not supported)");
  }
  // reset() rebinds; operator= would assign through (and throws for a missing key).
  if (const YAML::Node n = y["models"]) models_tree_.reset(n);
  if (const YAML::Node n = y["tests"]) tests_tree_.reset(n);
  if (const YAML::Node n = y["data_tests"]) tests_tree_.reset(n);
  if (const YAML::Node n = y["sources"]) sources_tree_.reset(n);

  // Vars: global entries, then the ones scoped to this project, then --vars.
  if (const YAML::Node v = y["vars"]; v && !v.IsNull()) {
    if (!v.IsMap()) return yaml_error(project_file_, v, "vars must be a mapping");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it->first.Scalar() == st_->name && it->second.IsMap()) continue;
      vars_.set(it->first.Scalar(), detail::to_value(it->second));
    }
    if (const YAML::Node scoped = v[st_->name]; scoped && scoped.IsMap()) {
      for (auto it = scoped.begin(); it != scoped.end(); ++it) {
        vars_.set(it->first.Scalar(), detail::to_value(it->second));
      }
    }
  }
  if (!opts_.vars.empty()) {
    auto cli = detail::parse_yaml(opts_.vars, "--vars");
    if (!cli) return cli.error();
    if (!cli->IsMap()) {
      return gg::fail(errc::invalid_input, "--vars must be a YAML or JSON mapping, e.g. '{k: v}'");
    }
    for (auto it = cli->begin(); it != cli->end(); ++it) {
      vars_.set(it->first.Scalar(), detail::to_value(it->second));
    }
  }
  return {};
}

gg::status loader::set_up_environment() {
  st_->env = std::make_shared<jinja::environment>();
  detail::globals_input in{st_->name, &st_->options, vars_, st_->run_started_at};
  detail::install_globals(*st_->env, in);
  auto builtin = jinja::parse_template(std::string(detail::builtin_macros_name),
                                       detail::builtin_macros_source());
  if (!builtin) return builtin.error();
  st_->env->add_macros(*builtin);

  std::vector<std::string> macro_files;
  for (const std::string& dir : macro_paths_) {
    for (std::string& f : files_under(root_, dir, {".sql"})) macro_files.push_back(std::move(f));
  }
  // Generic tests in tests/generic are macro files, as in dbt.
  for (const std::string& dir : test_paths_) {
    for (std::string& f : files_under(root_, dir + "/generic", {".sql"})) {
      macro_files.push_back(std::move(f));
    }
  }
  for (const std::string& rel : macro_files) {
    auto text = read_text(root_ / rel, rel);
    if (!text) return text.error();
    auto t = jinja::parse_template(rel, *text);
    if (!t) return t.error();
    st_->env->add_macros(*t);
  }

  if (auto s =
          detail::collect_folder_configs(*st_->env, project_file_, models_tree_, model_folders_);
      !s) {
    return s;
  }
  if (auto s = detail::collect_folder_configs(*st_->env, project_file_, tests_tree_, test_folders_);
      !s) {
    return s;
  }
  return detail::collect_folder_configs(*st_->env, project_file_, sources_tree_, source_folders_);
}

gg::status loader::read_property_file(const std::string& rel) {
  auto f = detail::load_yaml(root_ / rel, rel);
  if (!f) return f.error();
  const YAML::Node& y = f->root;
  if (y.IsNull()) return {};
  if (auto st = detail::check_keys(
          rel, y,
          {"version", "models", "sources", "seeds", "snapshots", "macros", "exposures", "analyses",
           "groups", "metrics", "semantic_models", "saved_queries", "unit_tests"},
          "a property file");
      !st) {
    return st;
  }
  if (const YAML::Node v = y["version"]; v && v.Scalar() != "2") {
    return yaml_error(rel, v, "property files must be 'version: 2'");
  }
  for (const char* unsupported : {"unit_tests", "semantic_models", "metrics", "saved_queries"}) {
    if (const YAML::Node n = y[unsupported]; n && !n.IsNull()) {
      return yaml_error(rel, n, fmt::format("'{}' is not supported", unsupported));
    }
  }
  std::string dir;
  for (const std::string& mp : model_paths_) {
    if (rel.starts_with(mp + "/")) dir = mp;
  }
  for (const std::string& tp : test_paths_) {
    if (rel.starts_with(tp + "/")) dir = tp;
  }
  const std::vector<std::string> folders = folders_of(rel, dir);
  if (const YAML::Node models = y["models"]; models && !models.IsNull()) {
    if (!models.IsSequence()) return yaml_error(rel, models, "'models' must be a list");
    for (const YAML::Node& m : models) {
      if (auto st = read_model_patch(rel, m, folders); !st) return st;
    }
  }
  if (const YAML::Node sources = y["sources"]; sources && !sources.IsNull()) {
    if (!sources.IsSequence()) return yaml_error(rel, sources, "'sources' must be a list");
    for (const YAML::Node& s : sources) {
      if (auto st = read_source(rel, s, folders); !st) return st;
    }
  }
  return {};
}

gg::status loader::read_model_patch(const std::string& file, const YAML::Node& m,
                                    const std::vector<std::string>& folders) {
  if (auto st = detail::check_keys(
          file, m,
          {"name", "description", "meta", "docs", "config", "columns", "tests", "data_tests",
           "constraints", "access", "group", "latest_version", "versions", "deprecation_date"},
          "a model's properties");
      !st) {
    return st;
  }
  const YAML::Node name = m["name"];
  if (!name || !name.IsScalar()) return yaml_error(file, m, "a model entry needs a name");
  if (const YAML::Node v = m["versions"]) {
    return yaml_error(file, v, "model versions are not supported");
  }
  const std::string model = name.Scalar();
  if (patch_files_.count(model) != 0) {
    return yaml_error(
        file, name,
        fmt::format("model '{}' already has properties in {}", model, patch_files_[model]));
  }
  patch_files_[model] = file;
  auto it = models_.find(model);
  if (it == models_.end()) {
    log_project.warn(fmt::format("{}: properties for model '{}', which does not exist",
                                 detail::position(file, name), model));
    return {};
  }
  pending& p = it->second;
  p.patched = true;
  if (const YAML::Node d = m["description"]) p.n.description = d.Scalar();
  jinja::dict cfg;
  if (const YAML::Node c = m["config"]; c && !c.IsNull()) {
    if (!c.IsMap()) return yaml_error(file, c, "config must be a mapping");
    for (auto ci = c.begin(); ci != c.end(); ++ci) {
      const std::string key = detail::normalize_config_key(ci->first.Scalar());
      auto v = detail::renders_at_parse(key)
                   ? detail::to_rendered_value(*st_->env, file, ci->second)
                   : gg::result<value>(detail::to_value(ci->second));
      if (!v) return v.error();
      detail::merge_config(cfg, key, *v);
    }
  }
  patch_configs_[model] = std::move(cfg);

  test_definition base;
  base.file = file;
  base.folders = folders;
  base.attached_model = model;
  if (auto st = read_entry_tests(file, m, folders, base, p.n.columns); !st) return st;
  return {};
}

gg::status loader::read_source(const std::string& file, const YAML::Node& s,
                               const std::vector<std::string>& folders) {
  if (auto st = detail::check_keys(
          file, s,
          {"name", "description", "meta", "database", "schema", "loader", "quoting", "freshness",
           "loaded_at_field", "tables", "tags", "config", "overrides"},
          "a source");
      !st) {
    return st;
  }
  const YAML::Node name = s["name"];
  if (!name || !name.IsScalar()) return yaml_error(file, s, "a source needs a name");
  if (const YAML::Node o = s["overrides"]) {
    return yaml_error(file, o, "source overrides are not supported (packages are not supported)");
  }
  const std::string source_name = name.Scalar();
  auto scalar = [&](const YAML::Node& n) -> gg::result<std::optional<std::string>> {
    if (!n || n.IsNull()) return std::optional<std::string>{};
    auto v = detail::to_rendered_value(*st_->env, file, n);
    if (!v) return v.error();
    if (v->is_none()) return std::optional<std::string>{};
    return std::optional<std::string>(v->str());
  };
  auto schema = scalar(s["schema"]);
  if (!schema) return schema.error();
  auto database = scalar(s["database"]);
  if (!database) return database.error();
  auto loaded_at = scalar(s["loaded_at_field"]);
  if (!loaded_at) return loaded_at.error();

  auto read_freshness = [&](const YAML::Node& f,
                            std::optional<freshness_config>& out) -> gg::status {
    if (!f) return {};
    if (f.IsNull()) {
      out.reset();
      return {};
    }
    if (auto st = detail::check_keys(file, f, {"warn_after", "error_after", "filter"}, "freshness");
        !st) {
      return st;
    }
    freshness_config fc = out.value_or(freshness_config{});
    for (const char* key : {"warn_after", "error_after"}) {
      const YAML::Node t = f[key];
      if (!t) continue;
      auto& slot = std::string_view(key) == "warn_after" ? fc.warn_after : fc.error_after;
      if (t.IsNull()) {
        slot.reset();
        continue;
      }
      if (auto st = detail::check_keys(file, t, {"count", "period"}, key); !st) return st;
      freshness_threshold th;
      const value count = detail::to_value(t["count"]);
      if (!count.is_int() || count.as_int() <= 0) {
        return yaml_error(file, t, fmt::format("{}.count must be a positive integer", key));
      }
      th.count = count.as_int();
      th.period = t["period"] ? t["period"].Scalar() : "";
      if (th.period != "minute" && th.period != "hour" && th.period != "day") {
        return yaml_error(file, t["period"] ? t["period"] : t,
                          fmt::format("{}.period must be minute, hour or day", key));
      }
      slot = th;
    }
    if (const YAML::Node fl = f["filter"]) fc.filter = fl.Scalar();
    out = fc;
    return {};
  };
  std::optional<freshness_config> source_freshness;
  if (auto st = read_freshness(s["freshness"], source_freshness); !st) return st;

  jinja::dict source_cfg;
  if (const YAML::Node c = s["config"]; c && !c.IsNull()) {
    auto v = detail::to_rendered_value(*st_->env, file, c);
    if (!v) return v.error();
    if (!v->is_dict()) return yaml_error(file, c, "config must be a mapping");
    for (const auto& [k, item] : v->as_dict()) detail::merge_config(source_cfg, k, item);
  }
  if (const YAML::Node tags = s["tags"]) {
    detail::merge_config(source_cfg, "tags", detail::to_value(tags));
  }

  const YAML::Node tables = s["tables"];
  if (!tables || !tables.IsSequence()) {
    return yaml_error(file, s, fmt::format("source '{}' needs a list of tables", source_name));
  }
  for (const YAML::Node& t : tables) {
    if (auto st = detail::check_keys(
            file, t,
            {"name", "description", "meta", "identifier", "quoting", "loaded_at_field", "freshness",
             "external", "tags", "columns", "tests", "data_tests", "config", "docs"},
            "a source table");
        !st) {
      return st;
    }
    const YAML::Node tn = t["name"];
    if (!tn || !tn.IsScalar()) return yaml_error(file, t, "a source table needs a name");
    const std::string table = tn.Scalar();
    source_table src;
    src.file = file;
    node& n = src.n;
    n.kind = node_kind::source;
    n.name = table;
    n.unique_id = fmt::format("source.{}.{}.{}", st_->name, source_name, table);
    n.original_file_path = file;
    n.fqn.push_back(st_->name);
    n.fqn.insert(n.fqn.end(), folders.begin(), folders.end());
    n.fqn.push_back(source_name);
    n.fqn.push_back(table);
    if (const YAML::Node d = t["description"]) n.description = d.Scalar();
    auto identifier = scalar(t["identifier"]);
    if (!identifier) return identifier.error();
    n.relation.schema = schema->value_or(source_name);
    n.relation.identifier = identifier->value_or(table);
    n.relation.database = database->value_or("");
    source_info info;
    info.source_name = source_name;
    info.table_name = table;
    auto table_loaded_at = scalar(t["loaded_at_field"]);
    if (!table_loaded_at) return table_loaded_at.error();
    info.loaded_at_field = table_loaded_at->has_value() ? *table_loaded_at : *loaded_at;
    info.freshness = source_freshness;
    if (auto st = read_freshness(t["freshness"], info.freshness); !st) return st;
    n.source = std::move(info);

    jinja::dict cfg;
    detail::apply_folder_configs(source_folders_, n.fqn, cfg);
    for (const auto& [k, item] : source_cfg) detail::merge_config(cfg, k, item);
    if (const YAML::Node c = t["config"]; c && !c.IsNull()) {
      auto v = detail::to_rendered_value(*st_->env, file, c);
      if (!v) return v.error();
      if (!v->is_dict()) return yaml_error(file, c, "config must be a mapping");
      for (const auto& [k, item] : v->as_dict()) detail::merge_config(cfg, k, item);
    }
    if (const YAML::Node tags = t["tags"])
      detail::merge_config(cfg, "tags", detail::to_value(tags));
    auto typed = detail::typed_config(cfg, node_kind::source, detail::position(file, tn));
    if (!typed) return typed.error();
    n.config = std::move(*typed);

    const auto key = std::make_pair(source_name, table);
    if (sources_.count(key) != 0) {
      return yaml_error(file, tn,
                        fmt::format("source '{}.{}' is defined twice (also in {})", source_name,
                                    table, sources_[key].file));
    }

    test_definition base;
    base.file = file;
    base.folders = folders;
    base.attached_source = key;
    if (auto st = read_entry_tests(file, t, folders, base, n.columns); !st) return st;
    sources_.emplace(key, std::move(src));
  }
  return {};
}

gg::status loader::read_entry_tests(const std::string& file, const YAML::Node& entry,
                                    const std::vector<std::string>& folders,
                                    const test_definition& base,
                                    std::vector<std::string>& columns) {
  for (const char* key : {"tests", "data_tests"}) {
    if (const YAML::Node t = entry[key]; t && !t.IsNull()) {
      if (auto st = read_tests(file, t, folders, base); !st) return st;
    }
  }
  const YAML::Node cols = entry["columns"];
  if (!cols || cols.IsNull()) return {};
  if (!cols.IsSequence()) return yaml_error(file, cols, "columns must be a list");
  for (const YAML::Node& c : cols) {
    if (auto st = detail::check_keys(
            file, c,
            {"name", "description", "meta", "data_type", "quote", "tests", "data_tests", "tags",
             "constraints", "policy_tags", "granularity", "docs", "config"},
            "a column");
        !st) {
      return st;
    }
    const YAML::Node cn = c["name"];
    if (!cn || !cn.IsScalar()) return yaml_error(file, c, "a column needs a name");
    columns.push_back(cn.Scalar());
    test_definition col = base;
    col.column = cn.Scalar();
    for (const char* key : {"tests", "data_tests"}) {
      if (const YAML::Node t = c[key]; t && !t.IsNull()) {
        if (auto st = read_tests(file, t, folders, col); !st) return st;
      }
    }
  }
  return {};
}

gg::result<pending> loader::read_sql_node(node_kind kind, const std::string& rel,
                                          const std::string& dir) {
  pending p;
  node& n = p.n;
  n.kind = kind;
  n.name = fs::path(rel).stem().string();
  n.unique_id =
      fmt::format("{}.{}.{}", kind == node_kind::model ? "model" : "test", st_->name, n.name);
  n.original_file_path = rel;
  n.fqn.push_back(st_->name);
  for (std::string& f : folders_of(rel, dir)) n.fqn.push_back(std::move(f));
  n.fqn.push_back(n.name);
  auto text = read_text(root_ / rel, rel);
  if (!text) return text.error();
  n.raw_code = std::move(*text);
  return p;
}

gg::status loader::read_tests(const std::string& file, const YAML::Node& list,
                              const std::vector<std::string>& folders, test_definition base) {
  (void)folders;
  if (!list.IsSequence()) return yaml_error(file, list, "tests must be a list");
  for (const YAML::Node& t : list) {
    test_definition def = base;
    def.position = detail::position(file, t);
    YAML::Node args;
    if (t.IsScalar()) {
      def.test_name = t.Scalar();
    } else if (t.IsMap() && t["test_name"]) {
      // The long form: {name: custom, test_name: unique, config: ..., <args>}.
      def.test_name = t["test_name"].Scalar();
      args.reset(t);
    } else if (t.IsMap() && t.size() == 1) {
      def.test_name = t.begin()->first.Scalar();
      args.reset(t.begin()->second);
      if (!args.IsNull() && !args.IsMap()) {
        return yaml_error(
            file, args, fmt::format("the arguments of test '{}' must be a mapping", def.test_name));
      }
    } else {
      return yaml_error(file, t,
                        "a test is a name ('- unique') or a mapping with one test name and its "
                        "arguments");
    }
    if (def.test_name.find('.') != std::string::npos) {
      return yaml_error(
          file, t,
          fmt::format("test '{}' comes from a package; packages are not supported", def.test_name));
    }
    if (args && args.IsMap()) {
      for (auto it = args.begin(); it != args.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (key == "test_name") continue;
        if (key == "name") {
          def.custom_name = it->second.Scalar();
        } else if (key == "config") {
          auto v = detail::to_rendered_value(*st_->env, file, it->second);
          if (!v) return v.error();
          if (!v->is_dict())
            return yaml_error(file, it->second, "a test's config must be a mapping");
          for (const auto& [k, item] : v->as_dict()) {
            detail::merge_config(def.config, detail::normalize_config_key(k), item);
          }
        } else if (key == "arguments") {
          // dbt 1.10 spelling: the test's arguments under their own key.
          if (!it->second.IsMap())
            return yaml_error(file, it->second, "arguments must be a mapping");
          for (auto ai = it->second.begin(); ai != it->second.end(); ++ai) {
            def.kwargs.set(ai->first.Scalar(), detail::to_value(ai->second));
          }
        } else if (is_test_modifier(key)) {
          auto v = detail::to_rendered_value(*st_->env, file, it->second);
          if (!v) return v.error();
          detail::merge_config(def.config, key, *v);
        } else if (key == "column_name") {
          def.column = it->second.Scalar();
        } else {
          def.kwargs.set(key, detail::to_value(it->second));
        }
      }
    }
    if (!st_->env->global("test_" + def.test_name).is_callable()) {
      std::vector<std::string> known = {"not_null", "unique", "accepted_values", "relationships"};
      const std::string hint = detail::closest(def.test_name, known);
      return yaml_error(
          file, t,
          fmt::format("unknown generic test '{}'{}", def.test_name,
                      hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
    }
    test_defs_.push_back(std::move(def));
  }
  return {};
}

value loader::node_dict(const node& n, const jinja::dict& config) const {
  return detail::node_value(n, st_->name, config);
}

std::string loader::did_you_mean(const std::string& name) const {
  std::vector<std::string> names;
  names.reserve(models_.size());
  for (const auto& [k, v] : models_) names.push_back(k);
  const std::string hint = detail::closest(name, names);
  return hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint);
}

jinja::context loader::parse_context(pending& p) {
  jinja::context ctx;
  const std::string project_name = st_->name;
  const std::string target_schema = opts_.target_schema;
  pending* pp = &p;
  ctx.set("ref",
          value::make_function(
              "ref", [this, pp, project_name, target_schema](call_args& a) -> gg::result<value> {
                if (a.find_keyword("v") != nullptr || a.find_keyword("version") != nullptr) {
                  return gg::fail(errc::invalid_input, "versioned refs (v=...) are not supported");
                }
                if (a.positional.empty() || a.positional.size() > 2) {
                  return gg::fail(errc::invalid_input,
                                  "ref() takes a model name, or a package and a name");
                }
                for (const value& v : a.positional) {
                  if (!v.is_string())
                    return gg::fail(errc::invalid_input, "ref() arguments must be strings");
                }
                std::string package;
                std::string name = a.positional.back().as_string();
                if (a.positional.size() == 2) {
                  package = a.positional[0].as_string();
                  if (package != project_name) {
                    return gg::fail(
                        errc::invalid_input,
                        fmt::format("ref('{}', '{}'): package '{}' is not this project ('{}'); "
                                    "packages are not supported",
                                    package, name, package, project_name));
                  }
                }
                if (models_.count(name) == 0) {
                  return gg::fail(errc::invalid_input,
                                  fmt::format("ref('{}'): no model named '{}'{}", name, name,
                                              did_you_mean(name)));
                }
                pp->refs.emplace_back(package, name);
                return detail::make_relation(relation_name{"", target_schema, name}, "");
              }));
  ctx.set("source", value::make_function("source", [this, pp](call_args& a) -> gg::result<value> {
            if (a.positional.size() != 2 || !a.positional[0].is_string() ||
                !a.positional[1].is_string()) {
              return gg::fail(errc::invalid_input, "source() takes a source name and a table name");
            }
            const std::string s = a.positional[0].as_string();
            const std::string t = a.positional[1].as_string();
            auto it = sources_.find({s, t});
            if (it == sources_.end()) {
              std::vector<std::string> names;
              for (const auto& [k, v] : sources_) names.push_back(k.first + "." + k.second);
              const std::string hint = detail::closest(s + "." + t, names);
              return gg::fail(
                  errc::invalid_input,
                  fmt::format("source('{}', '{}'): no such source table{}", s, t,
                              hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
            }
            pp->sources.emplace_back(s, t);
            return detail::make_relation(it->second.n.relation, "");
          }));
  ctx.set("config", value(std::static_pointer_cast<jinja::object>(
                        std::make_shared<detail::config_object>(p.config, true))));
  ctx.set("this", detail::make_relation(relation_name{"", target_schema, p.n.name}, ""));
  ctx.set("is_incremental", value::make_function("is_incremental", [](call_args&) {
            return gg::result<value>(value(false));
          }));
  ctx.set("execute", value(false));
  ctx.set("model", node_dict(p.n, *p.config));
  ctx.set("schema", value(target_schema));
  ctx.set("database", opts_.target_database.empty() ? value::none() : value(opts_.target_database));
  return ctx;
}

gg::status loader::parse_node(pending& p) {
  auto t = jinja::parse_template(p.n.original_file_path, p.n.raw_code);
  if (!t) return t.error();
  p.templates.body = *t;
  auto ctx = parse_context(p);
  auto out = st_->env->render(**t, ctx);
  if (!out) return out.error();
  return {};
}

gg::result<pending> loader::build_generic_test(const test_definition& def) {
  pending p;
  node& n = p.n;
  n.kind = node_kind::test;
  std::string target;
  std::string identifier = def.test_name;
  if (def.attached_source) {
    target = def.attached_source->first + "_" + def.attached_source->second;
    identifier = "source_" + def.test_name;
  } else {
    target = def.attached_model;
  }
  jinja::dict name_args = def.kwargs;
  if (def.column) name_args.set("column_name", value(*def.column));
  const auto [short_name, full_name] = generic_test_names(identifier, target, name_args);
  n.name = def.custom_name.value_or(full_name);
  // PostgreSQL truncates identifiers at 63 bytes; a long name gets dbt's short form as alias.
  if (!def.custom_name && short_name != full_name) p.config->set("alias", value(short_name));
  n.unique_id = fmt::format("test.{}.{}", st_->name, n.name);
  n.original_file_path = def.file;
  n.fqn.push_back(st_->name);
  n.fqn.insert(n.fqn.end(), def.folders.begin(), def.folders.end());
  n.fqn.push_back(n.name);
  test_info info;
  info.generic = true;
  info.test_name = def.test_name;
  info.column_name = def.column;
  info.kwargs = def.kwargs;
  if (def.attached_source) {
    info.attached_node = sources_.at(*def.attached_source).n.unique_id;
    p.sources.push_back(*def.attached_source);
  } else {
    info.attached_node = fmt::format("model.{}.{}", st_->name, def.attached_model);
    p.refs.emplace_back("", def.attached_model);
  }
  n.test = std::move(info);

  detail::apply_folder_configs(test_folders_, n.fqn, *p.config);
  for (const auto& [k, v] : def.config) detail::merge_config(*p.config, k, v);

  // Arguments that hold a ref/source or Jinja are evaluated when the test compiles; evaluate
  // them once now, as dbt parses, so their refs become dependencies.
  static const std::regex call_form(R"(^\s*((ref|source)\s*\(.*\))\s*$)");
  static const std::regex single_expr(R"(^\s*\{\{(.*)\}\}\s*$)");
  for (const auto& [k, v] : def.kwargs) {
    if (!v.is_string()) continue;
    const std::string& text = v.as_string();
    std::smatch m;
    std::string expr;
    if (std::regex_match(text, m, call_form)) {
      expr = m[1].str();
    } else if (std::regex_match(text, m, single_expr) &&
               m[1].str().find("}}") == std::string::npos &&
               m[1].str().find("{{") == std::string::npos) {
      expr = m[1].str();
    }
    const std::string where = fmt::format("{} (argument '{}')", def.position, k);
    auto ctx = parse_context(p);
    if (!expr.empty()) {
      const std::string macro = fmt::format("__gg_test_argument_{}", ++argument_macros_);
      auto t = jinja::parse_template(
          where,
          fmt::format("{{% macro {}() %}}{{{{ return({}) }}}}{{% endmacro %}}", macro, expr));
      if (!t) return t.error();
      st_->env->add_macros(*t);
      p.templates.test_kwarg_macros.emplace_back(k, macro);
      auto out = st_->env->call(st_->env->global(macro), {}, ctx);
      if (!out) return out.error();
    } else if (detail::has_jinja(text)) {
      auto t = jinja::parse_template(where, text);
      if (!t) return t.error();
      p.templates.test_kwargs.emplace_back(k, *t);
      auto out = st_->env->render(**t, ctx);
      if (!out) return out.error();
    }
  }
  return p;
}

gg::status loader::resolve_naming(node& n, const jinja::dict& raw) {
  const jinja::environment& env = *st_->env;
  jinja::context ctx;
  const value node_value = node_dict(n, raw);
  auto call = [&](const char* macro,
                  const std::optional<std::string>& custom) -> gg::result<std::string> {
    call_args args;
    args.positional.push_back(custom ? value(*custom) : value::none());
    args.positional.push_back(node_value);
    auto out = env.call(env.global(macro), std::move(args), ctx);
    if (!out) return out.error();
    std::string s = out->is_none() ? "" : out->str();
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::optional<std::string> custom_schema = n.config.schema;
  if (n.kind == node_kind::test && !custom_schema) custom_schema = "dbt_test__audit";
  auto schema = call("generate_schema_name", custom_schema);
  if (!schema) return schema.error();
  auto alias = call("generate_alias_name", n.config.alias);
  if (!alias) return alias.error();
  auto database = call("generate_database_name", n.config.database);
  if (!database) return database.error();
  if (schema->empty() || alias->empty()) {
    return gg::fail(errc::invalid_input,
                    fmt::format("{}: generate_schema_name/generate_alias_name gave an empty name "
                                "for {}",
                                n.original_file_path, n.unique_id));
  }
  n.relation = relation_name{*database == "None" ? "" : *database, *schema, *alias};
  return {};
}

gg::result<std::shared_ptr<const detail::project_state>> loader::run() {
  st_->root = root_;
  st_->options = opts_;
  st_->run_started_at = opts_.run_started_at.value_or(now_us());
  if (auto s = read_project_file(); !s) return s.error();
  if (auto s = set_up_environment(); !s) return s.error();

  // Models.
  for (const std::string& dir : model_paths_) {
    for (const std::string& rel : files_under(root_, dir, {".sql"})) {
      auto read = read_sql_node(node_kind::model, rel, dir);
      if (!read) return read.error();
      pending p = std::move(*read);
      node& n = p.n;
      if (auto it = model_files_.find(n.name); it != model_files_.end()) {
        return gg::fail(
            errc::invalid_input,
            fmt::format("{}: a model named '{}' already exists in {}", rel, n.name, it->second));
      }
      model_files_[n.name] = rel;
      models_.emplace(n.name, std::move(p));
    }
  }
  // Property files (models, sources, tests) under model and test paths.
  std::set<std::string> property_files;
  for (const auto* dirs : {&model_paths_, &test_paths_}) {
    for (const std::string& dir : *dirs) {
      for (std::string& f : files_under(root_, dir, {".yml", ".yaml"})) property_files.insert(f);
    }
  }
  for (const std::string& rel : property_files) {
    if (auto s = read_property_file(rel); !s) return s.error();
  }
  // Configs in dbt's precedence, then each model rendered once to find refs and config().
  for (auto& [name, p] : models_) {
    detail::apply_folder_configs(model_folders_, p.n.fqn, *p.config);
    if (auto it = patch_configs_.find(name); it != patch_configs_.end()) {
      for (const auto& [k, v] : it->second) detail::merge_config(*p.config, k, v);
    }
    if (auto s = parse_node(p); !s) return s.error();
  }
  // Singular tests.
  for (const std::string& dir : test_paths_) {
    for (const std::string& rel : files_under(root_, dir, {".sql"})) {
      if (rel.starts_with(dir + "/generic/")) continue;
      auto read = read_sql_node(node_kind::test, rel, dir);
      if (!read) return read.error();
      pending p = std::move(*read);
      node& n = p.n;
      n.test = test_info{false, "", "", std::nullopt, {}};
      detail::apply_folder_configs(test_folders_, n.fqn, *p.config);
      if (auto s = parse_node(p); !s) return s.error();
      singular_tests_.push_back(std::move(p));
    }
  }
  std::vector<pending> generic;
  generic.reserve(test_defs_.size());
  for (const test_definition& def : test_defs_) {
    if (!def.attached_source && models_.count(def.attached_model) == 0) continue;
    auto p = build_generic_test(def);
    if (!p) return p.error();
    generic.push_back(std::move(*p));
  }

  // Typed configs, enabled, then relations through the naming macros.
  std::vector<pending*> all;
  for (auto& [name, p] : models_) all.push_back(&p);
  for (auto& p : singular_tests_) all.push_back(&p);
  for (auto& p : generic) all.push_back(&p);
  std::unordered_set<std::string> disabled_models;
  std::vector<pending*> enabled;
  for (pending* p : all) {
    auto typed = detail::typed_config(*p->config, p->n.kind, p->n.original_file_path);
    if (!typed) return typed.error();
    p->n.config = std::move(*typed);
    if (!p->n.config.enabled) {
      if (p->n.kind == node_kind::model) disabled_models.insert(p->n.name);
      continue;
    }
    enabled.push_back(p);
  }
  std::unordered_set<std::string> disabled_sources;
  for (const auto& [key, src] : sources_) {
    if (!src.n.config.enabled) disabled_sources.insert(src.n.unique_id);
  }

  std::vector<node> nodes;
  std::vector<detail::node_templates> templates;
  nodes.reserve(enabled.size() + sources_.size());
  templates.reserve(enabled.size() + sources_.size());
  for (pending* p : enabled) {
    node& n = p->n;
    if (auto s = resolve_naming(n, *p->config); !s) return s.error();
    // A test of a disabled model is disabled with it, as in dbt.
    if (n.test && n.test->generic && !n.test->attached_node.empty()) {
      const std::string& a = n.test->attached_node;
      if (disabled_sources.count(a) != 0) continue;
      if (n.test->attached_node.starts_with("model.") &&
          disabled_models.count(a.substr(a.rfind('.') + 1)) != 0) {
        continue;
      }
    }
    std::set<std::string> deps;
    for (const auto& [pkg, name] : p->refs) {
      if (disabled_models.count(name) != 0) {
        return gg::fail(errc::invalid_input,
                        fmt::format("{}: ref('{}') names a disabled model ({})",
                                    n.original_file_path, name, model_files_[name]));
      }
      deps.insert(fmt::format("model.{}.{}", st_->name, name));
    }
    for (const auto& key : p->sources) {
      const source_table& src = sources_.at(key);
      if (disabled_sources.count(src.n.unique_id) != 0) {
        return gg::fail(errc::invalid_input,
                        fmt::format("{}: source('{}', '{}') is disabled", n.original_file_path,
                                    key.first, key.second));
      }
      deps.insert(src.n.unique_id);
    }
    n.depends_on.assign(deps.begin(), deps.end());
    for (const std::string& h : n.config.pre_hook) {
      auto t = jinja::parse_template(n.original_file_path + " (pre_hook)", h);
      if (!t) return t.error();
      p->templates.pre_hooks.push_back(*t);
    }
    for (const std::string& h : n.config.post_hook) {
      auto t = jinja::parse_template(n.original_file_path + " (post_hook)", h);
      if (!t) return t.error();
      p->templates.post_hooks.push_back(*t);
    }
    nodes.push_back(std::move(n));
    templates.push_back(std::move(p->templates));
  }
  for (auto& [key, src] : sources_) {
    if (!src.n.config.enabled) continue;
    nodes.push_back(std::move(src.n));
    templates.emplace_back();
  }
  std::unordered_set<std::string> ids;
  for (const node& n : nodes) {
    if (!ids.insert(n.unique_id).second) {
      return gg::fail(errc::invalid_input,
                      fmt::format("{}: two nodes are named {} (give one test a 'name:')",
                                  n.original_file_path, n.unique_id));
    }
  }

  auto g = graph::build(nodes);
  if (!g) return g.error();
  st_->graph = std::move(*g);
  // Store in graph order.
  std::vector<std::size_t> perm(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) perm[st_->graph.position(nodes[i].unique_id)] = i;
  st_->nodes.reserve(nodes.size());
  st_->templates.reserve(nodes.size());
  for (std::size_t pos = 0; pos < perm.size(); ++pos) {
    st_->nodes.push_back(std::move(nodes[perm[pos]]));
    st_->templates.push_back(std::move(templates[perm[pos]]));
  }
  for (std::size_t i = 0; i < st_->nodes.size(); ++i) {
    const node& n = st_->nodes[i];
    st_->by_id.emplace(n.unique_id, i);
    if (n.kind == node_kind::model) st_->model_by_name.emplace(n.name, i);
    if (n.kind == node_kind::source) {
      st_->source_by_name.emplace(std::make_pair(n.source->source_name, n.source->table_name), i);
    }
  }
  return std::shared_ptr<const detail::project_state>(std::move(st_));
}

}  // namespace

gg::result<project> project::load(const std::filesystem::path& dir, const load_options& opts) {
  loader l(dir, opts);
  // yaml-cpp reports misuse of a document's shape (a scalar where a mapping was expected, ...)
  // by exception; every path checks shapes first, and this turns any it missed into an error.
  try {
    auto r = l.run();
    if (!r) return r.error();
    return project(std::move(*r));
  } catch (const YAML::Exception& e) {
    return gg::fail(errc::invalid_input,
                    fmt::format("{}: unexpected YAML structure near line {}, column {}: {}",
                                dir.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

const std::string& project::name() const noexcept { return state_->name; }
const std::filesystem::path& project::root() const noexcept { return state_->root; }
const std::vector<node>& project::nodes() const noexcept { return state_->nodes; }
const class graph& project::graph() const noexcept { return state_->graph; }
const load_options& project::options() const noexcept { return state_->options; }

const node* project::find(std::string_view unique_id) const noexcept {
  auto it = state_->by_id.find(std::string(unique_id));
  return it == state_->by_id.end() ? nullptr : &state_->nodes[it->second];
}

const node* project::find_model(std::string_view name) const noexcept {
  auto it = state_->model_by_name.find(std::string(name));
  return it == state_->model_by_name.end() ? nullptr : &state_->nodes[it->second];
}

}  // namespace gg::transform

#include "project/config_resolution.hpp"

#include "project/dbt_context.hpp"
#include "project/yaml_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace gg::transform::detail {
namespace {

using jinja::value;

constexpr std::array<std::string_view, 42> known_keys = {
    "materialized",
    "schema",
    "alias",
    "database",
    "tags",
    "enabled",
    "pre-hook",
    "post-hook",
    "pre_hook",
    "post_hook",
    "persist_docs",
    "full_refresh",
    "unique_key",
    "retract_key",
    "on_schema_change",
    "incremental_strategy",
    "indexes",
    "event_time",
    "batch_size",
    "begin",
    "lookback",
    "lookback_window",
    "load_stamp",
    "meta",
    "docs",
    "grants",
    "contract",
    "quoting",
    "column_types",
    "sql_header",
    "group",
    "access",
    "incremental_predicates",
    "severity",
    "warn_if",
    "error_if",
    "where",
    "limit",
    "store_failures",
    "store_failures_as",
    "fail_calc",
    "concurrent_batches",
};

gg::status walk(const jinja::environment& env, const std::string& file, const YAML::Node& tree,
                std::vector<std::string>& path, std::vector<folder_config>& out) {
  if (tree.IsNull()) return {};
  if (!tree.IsMap()) return yaml_error(file, tree, "a resource config tree must be a mapping");
  folder_config here{path, {}};
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    const std::string key = it->first.Scalar();
    const bool plus = !key.empty() && key.front() == '+';
    // Keys whose values are mappings would otherwise read as folders.
    const bool mapping_config = key == "meta" || key == "docs" || key == "grants" ||
                                key == "persist_docs" || key == "contract" || key == "quoting" ||
                                key == "column_types";
    if (plus || (is_known_config_key(key) && (!it->second.IsMap() || mapping_config))) {
      const std::string norm = normalize_config_key(key);
      auto v = renders_at_parse(norm) ? to_rendered_value(env, file, it->second)
                                      : gg::result<value>(to_value(it->second));
      if (!v) return v.error();
      merge_config(here.config, norm, *v);
      continue;
    }
    if (!it->second.IsMap() && !it->second.IsNull()) {
      return yaml_error(file, it->first,
                        fmt::format("'{}' is neither a folder (a mapping) nor a config key; "
                                    "custom configs need a '+' prefix ('+{}')",
                                    key, key));
    }
    path.push_back(key);
    auto st = walk(env, file, it->second, path, out);
    path.pop_back();
    if (!st) return st;
  }
  if (!here.config.empty()) out.push_back(std::move(here));
  return {};
}

gg::result<std::optional<std::string>> opt_string(const jinja::dict& raw, std::string_view key,
                                                  const std::string& where) {
  const value* v = raw.find(key);
  if (v == nullptr || v->is_none() || v->is_undefined()) return std::optional<std::string>{};
  if (v->is_string()) return std::optional<std::string>(v->as_string());
  if (v->is_number()) return std::optional<std::string>(v->str());
  return gg::fail(errc::invalid_input, fmt::format("{}: config '{}' must be a string, not {}",
                                                   where, key, v->type_name()));
}

gg::result<std::vector<std::string>> string_list(const jinja::dict& raw, std::string_view key,
                                                 const std::string& where) {
  std::vector<std::string> out;
  const value* v = raw.find(key);
  if (v == nullptr || v->is_none() || v->is_undefined()) return out;
  auto one = [&](const value& item) -> gg::status {
    if (item.is_string()) {
      out.push_back(item.as_string());
      return {};
    }
    if (item.is_dict()) {
      // A hook may be written as {sql: ..., transaction: ...}.
      if (const value* sql = item.as_dict().find("sql"); sql != nullptr && sql->is_string()) {
        out.push_back(sql->as_string());
        return {};
      }
    }
    return gg::fail(errc::invalid_input, fmt::format("{}: config '{}' must be a string or a "
                                                     "list of strings",
                                                     where, key));
  };
  if (v->is_list()) {
    for (const value& item : v->as_list()) {
      if (auto st = one(item); !st) return st.error();
    }
  } else if (auto st = one(*v); !st) {
    return st.error();
  }
  return out;
}

gg::status one_of(const std::string& value_text, std::string_view key,
                  std::initializer_list<std::string_view> allowed, const std::string& where) {
  if (std::find(allowed.begin(), allowed.end(), value_text) != allowed.end()) return {};
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return gg::fail(errc::invalid_input, fmt::format("{}: config {}='{}' is not supported ({})",
                                                   where, key, value_text, list));
}

gg::result<std::optional<bool>> opt_bool(const jinja::dict& raw, std::string_view key,
                                         const std::string& where) {
  const value* v = raw.find(key);
  if (v == nullptr || v->is_none() || v->is_undefined()) return std::optional<bool>{};
  if (v->is_bool()) return std::optional<bool>(v->as_bool());
  if (v->is_string()) {
    std::string s = v->as_string();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "true") return std::optional<bool>(true);
    if (s == "false") return std::optional<bool>(false);
  }
  return gg::fail(errc::invalid_input, fmt::format("{}: config '{}' must be true or false, not {}",
                                                   where, key, v->repr()));
}

}  // namespace

bool renders_at_parse(std::string_view key) noexcept {
  return key != "pre_hook" && key != "post_hook";
}

bool is_known_config_key(std::string_view key) noexcept {
  return std::find(known_keys.begin(), known_keys.end(), key) != known_keys.end();
}

gg::status collect_folder_configs(const jinja::environment& env, const std::string& file,
                                  const YAML::Node& tree, std::vector<folder_config>& out) {
  std::vector<std::string> path;
  auto st = walk(env, file, tree, path, out);
  if (!st) return st;
  std::stable_sort(out.begin(), out.end(), [](const folder_config& a, const folder_config& b) {
    return a.path.size() < b.path.size();
  });
  return {};
}

void apply_folder_configs(const std::vector<folder_config>& folders,
                          const std::vector<std::string>& fqn, jinja::dict& into) {
  for (const folder_config& f : folders) {
    if (f.path.size() > fqn.size() || !std::equal(f.path.begin(), f.path.end(), fqn.begin())) {
      continue;
    }
    for (const auto& [k, v] : f.config) merge_config(into, k, v);
  }
}

gg::result<node_config> typed_config(const jinja::dict& raw, node_kind kind,
                                     const std::string& where) {
  node_config c;
  c.raw = raw;
#define GG_TRY(var, expr) \
  auto var = (expr);      \
  if (!var) return var.error();
  GG_TRY(materialized, opt_string(raw, "materialized", where));
  if (kind == node_kind::model) {
    c.materialized = materialized->value_or("view");
    // config.get('materialized') sees the default, as in dbt.
    if (!*materialized) c.raw.set("materialized", value(c.materialized));
    if (auto st = one_of(c.materialized, "materialized",
                         {"view", "table", "incremental", "ephemeral"}, where);
        !st) {
      return st.error();
    }
  } else if (kind == node_kind::test) {
    c.materialized = "test";
  } else {
    c.materialized = "source";
  }
  GG_TRY(schema, opt_string(raw, "schema", where));
  c.schema = *schema;
  GG_TRY(alias, opt_string(raw, "alias", where));
  c.alias = *alias;
  GG_TRY(database, opt_string(raw, "database", where));
  c.database = *database;
  GG_TRY(tags, string_list(raw, "tags", where));
  c.tags = *tags;
  GG_TRY(enabled, opt_bool(raw, "enabled", where));
  c.enabled = enabled->value_or(true);
  GG_TRY(strategy, opt_string(raw, "incremental_strategy", where));
  c.incremental_strategy = *strategy;
  if (c.incremental_strategy) {
    if (auto st = one_of(*c.incremental_strategy, "incremental_strategy",
                         {"append", "delete+insert", "merge", "microbatch", "retract"}, where);
        !st) {
      return st.error();
    }
  }
  GG_TRY(unique_key, string_list(raw, "unique_key", where));
  c.unique_key = *unique_key;
  GG_TRY(retract_key, string_list(raw, "retract_key", where));
  c.retract_key = *retract_key;
  GG_TRY(predicates, string_list(raw, "incremental_predicates", where));
  c.incremental_predicates = *predicates;
  GG_TRY(osc, opt_string(raw, "on_schema_change", where));
  c.on_schema_change = osc->value_or("ignore");
  if (auto st = one_of(c.on_schema_change, "on_schema_change",
                       {"ignore", "fail", "append_new_columns", "sync_all_columns"}, where);
      !st) {
    return st.error();
  }
  GG_TRY(full_refresh, opt_bool(raw, "full_refresh", where));
  c.full_refresh = *full_refresh;
  GG_TRY(event_time, opt_string(raw, "event_time", where));
  c.event_time = *event_time;
  GG_TRY(begin, opt_string(raw, "begin", where));
  c.begin = *begin;
  GG_TRY(batch_size, opt_string(raw, "batch_size", where));
  c.batch_size = *batch_size;
  if (c.batch_size) {
    if (auto st = one_of(*c.batch_size, "batch_size", {"hour", "day", "month", "year"}, where);
        !st) {
      return st.error();
    }
  }
  if (const value* lb = raw.find("lookback"); lb != nullptr && !lb->is_none()) {
    // An integer counts microbatch batches (dbt); a string is our late-data window.
    if (lb->is_int() && lb->as_int() >= 0) {
      c.lookback = lb->as_int();
    } else if (lb->is_string() && !lb->as_string().empty()) {
      c.lookback_window = lb->as_string();
    } else {
      return gg::fail(errc::invalid_input,
                      fmt::format("{}: config lookback must be a number of batches or an "
                                  "interval such as '2 hours', not {}",
                                  where, lb->repr()));
    }
  }
  GG_TRY(window, opt_string(raw, "lookback_window", where));
  if (*window) c.lookback_window = *window;
  GG_TRY(stamp, opt_string(raw, "load_stamp", where));
  c.load_stamp = *stamp;
  if (c.incremental_strategy == "microbatch") {
    if (!c.event_time || !c.begin || !c.batch_size) {
      return gg::fail(
          errc::invalid_input,
          fmt::format("{}: a microbatch model needs event_time, begin and batch_size", where));
    }
  }
  if (const value* idx = raw.find("indexes"); idx != nullptr && !idx->is_none()) {
    if (!idx->is_list()) {
      return gg::fail(errc::invalid_input, fmt::format("{}: config indexes must be a list", where));
    }
    for (const value& item : idx->as_list()) {
      if (!item.is_dict()) {
        return gg::fail(errc::invalid_input,
                        fmt::format("{}: each index must be a mapping with columns", where));
      }
      index_config ix;
      for (const auto& [k, v] : item.as_dict()) {
        if (k == "columns" && v.is_list()) {
          for (const value& col : v.as_list()) ix.columns.push_back(col.str());
        } else if (k == "columns" && v.is_string()) {
          ix.columns.push_back(v.as_string());
        } else if (k == "unique") {
          ix.unique = v.truthy();
        } else if (k == "type") {
          ix.type = v.str();
        } else {
          return gg::fail(
              errc::invalid_input,
              fmt::format("{}: unknown index key '{}' (columns, unique, type)", where, k));
        }
      }
      if (ix.columns.empty()) {
        return gg::fail(errc::invalid_input, fmt::format("{}: an index needs columns", where));
      }
      c.indexes.push_back(std::move(ix));
    }
  }
  GG_TRY(pre, string_list(raw, "pre_hook", where));
  c.pre_hook = *pre;
  GG_TRY(post, string_list(raw, "post_hook", where));
  c.post_hook = *post;
  GG_TRY(severity, opt_string(raw, "severity", where));
  if (*severity) {
    std::string s = **severity;
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (auto st = one_of(s, "severity", {"error", "warn"}, where); !st) return st.error();
    c.severity = s;
  }
  GG_TRY(warn_if, opt_string(raw, "warn_if", where));
  c.warn_if = warn_if->value_or("!= 0");
  GG_TRY(error_if, opt_string(raw, "error_if", where));
  c.error_if = error_if->value_or("!= 0");
  if (const value* lim = raw.find("limit"); lim != nullptr && !lim->is_none()) {
    if (!lim->is_int() || lim->as_int() < 0) {
      return gg::fail(errc::invalid_input,
                      fmt::format("{}: config limit must be a non-negative integer", where));
    }
    c.limit = lim->as_int();
  }
  GG_TRY(where_cfg, opt_string(raw, "where", where));
  c.where = *where_cfg;
  GG_TRY(store, opt_bool(raw, "store_failures", where));
  c.store_failures = store->value_or(false);
  GG_TRY(store_as, opt_string(raw, "store_failures_as", where));
  c.store_failures_as = *store_as;
  if (c.store_failures_as) {
    if (auto st = one_of(*c.store_failures_as, "store_failures_as", {"table", "view", "ephemeral"},
                         where);
        !st) {
      return st.error();
    }
    if (*c.store_failures_as != "ephemeral") c.store_failures = true;
  }
#undef GG_TRY
  return c;
}

}  // namespace gg::transform::detail

#include "project/dbt_context.hpp"

#include "project/compiler.hpp"

#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

namespace gg::transform::detail {
namespace {

using jinja::call_args;
using jinja::value;

const gg::logger log_transform{"transform"};

std::string event_time_column_sql(const std::string& column) {
  // A plain lower-case name is quoted (as every identifier we print); anything else (a mixed
  // case name or an expression) is written as the user wrote it, which is what dbt does.
  bool plain = !column.empty() && !std::isdigit(static_cast<unsigned char>(column[0]));
  for (char c : column) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      plain = false;
    }
  }
  return plain ? quote_identifier(column) : column;
}

gg::result<value> unsupported(std::string what, std::string why) {
  return gg::fail(errc::invalid_input, fmt::format("{} is not supported: {}", what, why));
}

value unsupported_function(std::string name, std::string why) {
  return value::make_function(
      name, [name, why](call_args&) -> gg::result<value> { return unsupported(name, why); });
}

/// `adapter`: quote and dispatch; every other method is an error naming it.
class adapter_object final : public jinja::object {
 public:
  explicit adapter_object(const jinja::environment* env) : env_(env) {}

  std::optional<value> attr(std::string_view name) const override {
    if (name == "quote") {
      return value::make_function("adapter.quote", [](call_args& a) -> gg::result<value> {
        const value* v = a.get(0, "identifier");
        if (v == nullptr) return gg::fail(errc::invalid_input, "adapter.quote() needs a name");
        return value(quote_identifier(v->str()));
      });
    }
    if (name == "type") {
      return value::make_function(
          "adapter.type", [](call_args&) -> gg::result<value> { return value("postgres"); });
    }
    if (name == "dispatch") {
      const jinja::environment* env = env_;
      return value::make_function("adapter.dispatch", [env](call_args& a) -> gg::result<value> {
        const value* macro = a.get(0, "macro_name");
        if (macro == nullptr || !macro->is_string()) {
          return gg::fail(errc::invalid_input, "adapter.dispatch() needs a macro name");
        }
        // dbt's search order for the postgres adapter: postgres__, then default__.
        for (const char* prefix : {"postgres__", "default__"}) {
          value fn = env->global(prefix + macro->as_string());
          if (fn.is_callable()) return fn;
        }
        return gg::fail(errc::invalid_input,
                        fmt::format("adapter.dispatch: no macro named postgres__{0} or "
                                    "default__{0}",
                                    macro->as_string()));
      });
    }
    return unsupported_function(
        fmt::format("adapter.{}", name),
        "projects compile without a database connection; only adapter.quote and "
        "adapter.dispatch are available");
  }
  std::string str() const override { return "<adapter postgres>"; }
  std::string type_name() const override { return "Adapter"; }

 private:
  const jinja::environment* env_;
};

/// `exceptions.raise_compiler_error(msg)` and `exceptions.warn(msg)`.
class exceptions_object final : public jinja::object {
 public:
  std::optional<value> attr(std::string_view name) const override {
    if (name == "raise_compiler_error") {
      return value::make_function("raise_compiler_error", [](call_args& a) -> gg::result<value> {
        const value* m = a.get(0, "msg");
        return gg::fail(errc::invalid_input,
                        fmt::format("compilation error: {}", m != nullptr ? m->str() : ""));
      });
    }
    if (name == "warn") {
      return value::make_function("exceptions.warn", [](call_args& a) -> gg::result<value> {
        const value* m = a.get(0, "msg");
        log_transform.warn(m != nullptr ? m->str() : "");
        return value("");
      });
    }
    return std::nullopt;
  }
  std::string str() const override { return "<exceptions>"; }
  std::string type_name() const override { return "Exceptions"; }
};

std::string strftime_utc(sys_us t, std::string_view format) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t tt = static_cast<std::time_t>(secs.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  const auto micros = (t - secs).count();
  // %f (microseconds) and %z/%Z are Python's, not C's: expand them before strftime.
  std::string fmt_c;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      const char c = format[i + 1];
      if (c == 'f') {
        fmt_c += fmt::format("{:06d}", micros);
        ++i;
        continue;
      }
      if (c == 'z') {
        fmt_c += "+0000";
        ++i;
        continue;
      }
      if (c == 'Z') {
        fmt_c += "UTC";
        ++i;
        continue;
      }
      fmt_c += format[i];
      fmt_c += c;
      ++i;
      continue;
    }
    fmt_c += format[i];
  }
  std::string out(fmt_c.size() * 4 + 64, '\0');
  const std::size_t n = std::strftime(out.data(), out.size(), fmt_c.c_str(), &tm);
  out.resize(n);
  return out;
}

/// `run_started_at`: prints as Python prints a UTC datetime; strftime and isoformat.
class datetime_object final : public jinja::object {
 public:
  explicit datetime_object(sys_us t) : t_(t) {}
  std::optional<value> attr(std::string_view name) const override {
    const sys_us t = t_;
    if (name == "strftime") {
      return value::make_function("strftime", [t](call_args& a) -> gg::result<value> {
        const value* f = a.get(0, "format");
        if (f == nullptr || !f->is_string()) {
          return gg::fail(errc::invalid_input, "strftime() needs a format string");
        }
        return value(strftime_utc(t, f->as_string()));
      });
    }
    if (name == "isoformat") {
      return value::make_function("isoformat", [t](call_args&) -> gg::result<value> {
        return value(python_datetime_str(t, 'T'));
      });
    }
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const civil_date d = civil_from_days(days.time_since_epoch().count());
    const auto in_day = t - days;
    if (name == "year") return value(static_cast<std::int64_t>(d.year));
    if (name == "month") return value(static_cast<std::int64_t>(d.month));
    if (name == "day") return value(static_cast<std::int64_t>(d.day));
    if (name == "hour") {
      return value(static_cast<std::int64_t>(
          std::chrono::duration_cast<std::chrono::hours>(in_day).count()));
    }
    return std::nullopt;
  }
  std::string str() const override { return python_datetime_str(t_); }
  std::string type_name() const override { return "datetime"; }

 private:
  sys_us t_;
};

}  // namespace

std::string python_datetime_str(sys_us t, char separator) {
  std::string iso = format_iso8601_us(t);  // 2026-11-26T15:19:11.123456Z
  iso[10] = separator;
  iso.pop_back();
  return iso + "+00:00";
}

value node_value(const node& n, const std::string& project_name, const jinja::dict& config) {
  jinja::list fqn;
  for (const std::string& f : n.fqn) fqn.push_back(value(f));
  jinja::list tags;
  if (const value* t = config.find("tags"); t != nullptr && t->is_list()) tags = t->as_list();
  return value(jinja::dict{
      {"name", value(n.name)},
      {"unique_id", value(n.unique_id)},
      {"resource_type", value(std::string(to_string(n.kind)))},
      {"package_name", value(project_name)},
      {"original_file_path", value(n.original_file_path)},
      {"path", value(n.original_file_path)},
      {"fqn", value(std::move(fqn))},
      {"tags", value(std::move(tags))},
      {"config", value(config)},
      {"description", value(n.description)},
      {"raw_code", value(n.raw_code)},
  });
}

std::optional<value> relation_object::attr(std::string_view name) const {
  if (name == "database") return rel_.database.empty() ? value::none() : value(rel_.database);
  if (name == "schema") return value(rel_.schema);
  if (name == "identifier" || name == "name" || name == "table") {
    return value(cte_name_.empty() ? rel_.identifier : cte_name_);
  }
  if (name == "type") return type_.empty() ? value::none() : value(type_);
  if (name == "is_table") return value(type_ == "table");
  if (name == "is_view") return value(type_ == "view");
  if (name == "is_cte") return value(!cte_name_.empty());
  if (name == "render") {
    // dbt 1.9: render() prints the plain relation, opting out of event-time filtering.
    std::string plain = cte_name_.empty() ? rel_.render() : cte_name_;
    return value::make_function("render",
                                [plain](call_args&) -> gg::result<value> { return value(plain); });
  }
  if (name == "include") {
    relation_name rel = rel_;
    std::string cte = cte_name_;
    return value::make_function("include", [rel, cte](call_args& a) -> gg::result<value> {
      if (!cte.empty()) return value(cte);
      const value* schema = a.find_keyword("schema");
      const value* identifier = a.find_keyword("identifier");
      const bool with_schema = schema == nullptr || schema->truthy();
      const bool with_identifier = identifier == nullptr || identifier->truthy();
      std::string out;
      if (with_schema) out += quote_identifier(rel.schema);
      if (with_schema && with_identifier) out += '.';
      if (with_identifier) out += quote_identifier(rel.identifier);
      return value(out);
    });
  }
  return std::nullopt;
}

std::string relation_object::str() const {
  if (!cte_name_.empty()) return cte_name_;
  if (!filter_) return rel_.render();
  std::string cond;
  const std::string col = event_time_column_sql(filter_->column);
  if (filter_->start) cond += fmt::format("{} >= {}", col, timestamptz_literal(*filter_->start));
  if (filter_->end) {
    if (!cond.empty()) cond += " and ";
    cond += fmt::format("{} < {}", col, timestamptz_literal(*filter_->end));
  }
  if (filter_->stamp_from) {
    if (!cond.empty()) cond += " and ";
    cond +=
        fmt::format("{} >= {}", event_time_column_sql(filter_->stamp_column), *filter_->stamp_from);
  }
  if (cond.empty()) return rel_.render();
  return fmt::format("(select * from {} where {}) _dbt_et_filter_subq_{}", rel_.render(), cond,
                     rel_.identifier);
}

value make_relation(relation_name rel, std::string type, std::optional<event_time_filter> filter,
                    std::string cte_name) {
  return value(std::static_pointer_cast<jinja::object>(std::make_shared<relation_object>(
      std::move(rel), std::move(type), std::move(filter), std::move(cte_name))));
}

std::optional<value> config_object::attr(std::string_view name) const {
  std::shared_ptr<jinja::dict> values = values_;
  if (name == "get") {
    return value::make_function("config.get", [values](call_args& a) -> gg::result<value> {
      const value* key = a.get(0, "name");
      if (key == nullptr || !key->is_string()) {
        return gg::fail(errc::invalid_input, "config.get() needs a key");
      }
      if (const value* v = values->find(normalize_config_key(key->as_string()))) return *v;
      const value* def = a.get(1, "default");
      return def != nullptr ? *def : value::none();
    });
  }
  if (name == "require") {
    return value::make_function("config.require", [values](call_args& a) -> gg::result<value> {
      const value* key = a.get(0, "name");
      if (key == nullptr || !key->is_string()) {
        return gg::fail(errc::invalid_input, "config.require() needs a key");
      }
      if (const value* v = values->find(normalize_config_key(key->as_string()))) return *v;
      return gg::fail(errc::invalid_input,
                      fmt::format("required config '{}' is not set", key->as_string()));
    });
  }
  if (name == "has_key") {
    return value::make_function("config.has_key", [values](call_args& a) -> gg::result<value> {
      const value* key = a.get(0, "name");
      return value(key != nullptr && values->find(normalize_config_key(key->str())) != nullptr);
    });
  }
  return std::nullopt;
}

gg::result<value> config_object::call(call_args& args) {
  if (!args.positional.empty()) {
    // config({'materialized': 'table'}) is also accepted by dbt.
    if (args.positional.size() != 1 || !args.positional[0].is_dict()) {
      return gg::fail(errc::invalid_input, "config() takes keyword arguments or one dict");
    }
  }
  if (!record_) return value("");
  if (!args.positional.empty()) {
    for (const auto& [k, v] : args.positional[0].as_dict()) {
      merge_config(*values_, normalize_config_key(k), v);
    }
  }
  for (const auto& [k, v] : args.keyword) merge_config(*values_, normalize_config_key(k), v);
  return value("");
}

std::string normalize_config_key(std::string_view key) {
  if (!key.empty() && key.front() == '+') key.remove_prefix(1);
  if (key == "pre-hook") return "pre_hook";
  if (key == "post-hook") return "post_hook";
  return std::string(key);
}

void merge_config(jinja::dict& into, const std::string& key, const value& v) {
  if (key == "tags" || key == "pre_hook" || key == "post_hook") {
    jinja::list merged;
    if (const value* old = into.find(key)) {
      if (old->is_list()) {
        merged = old->as_list();
      } else if (!old->is_none()) {
        merged.push_back(*old);
      }
    }
    auto add = [&](const value& item) {
      // Tags are a set in dbt; hooks run in the order given, duplicates included.
      if (key == "tags") {
        for (const value& m : merged) {
          if (m.equals(item)) return;
        }
      }
      merged.push_back(item);
    };
    if (v.is_list()) {
      for (const value& item : v.as_list()) add(item);
    } else if (!v.is_none() && !v.is_undefined()) {
      add(v);
    }
    into.set(key, value(std::move(merged)));
    return;
  }
  if (key == "meta" && v.is_dict()) {
    jinja::dict merged;
    if (const value* old = into.find(key); old != nullptr && old->is_dict())
      merged = old->as_dict();
    for (const auto& [k, item] : v.as_dict()) merged.set(k, item);
    into.set(key, value(std::move(merged)));
    return;
  }
  into.set(key, v);
}

void install_globals(jinja::environment& env, const globals_input& in) {
  auto vars = std::make_shared<jinja::dict>(in.vars);
  env.set_global("var", value::make_function("var", [vars](call_args& a) -> gg::result<value> {
                   const value* name = a.get(0, "name");
                   if (name == nullptr || !name->is_string()) {
                     return gg::fail(errc::invalid_input, "var() needs a variable name");
                   }
                   if (const value* v = vars->find(name->as_string())) return *v;
                   if (const value* def = a.get(1, "default")) return *def;
                   return gg::fail(
                       errc::invalid_input,
                       fmt::format("required var '{}' is not set (dbt_project.yml vars or --vars) "
                                   "and has no default",
                                   name->as_string()));
                 }));

  env_lookup lookup = in.options->env;
  if (!lookup) {
    lookup = [](std::string_view n) -> std::optional<std::string> {
      const char* v = std::getenv(std::string(n).c_str());
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
  env.set_global(
      "env_var", value::make_function("env_var", [lookup](call_args& a) -> gg::result<value> {
        const value* name = a.get(0, "var");
        if (name == nullptr || !name->is_string()) {
          return gg::fail(errc::invalid_input, "env_var() needs a variable name");
        }
        if (auto v = lookup(name->as_string())) return value(*v);
        if (const value* def = a.get(1, "default")) return value(def->str());
        return gg::fail(
            errc::invalid_input,
            fmt::format("env var '{}' is not set and has no default", name->as_string()));
      }));

  const load_options& o = *in.options;
  jinja::dict target{
      {"name", value(o.target_name)},
      {"target_name", value(o.target_name)},
      {"schema", value(o.target_schema)},
      {"type", value("postgres")},
      {"database", o.target_database.empty() ? value::none() : value(o.target_database)},
      {"dbname", o.target_database.empty() ? value::none() : value(o.target_database)},
      {"user", o.target_user.empty() ? value::none() : value(o.target_user)},
      {"threads", value(static_cast<std::int64_t>(o.threads))},
      {"profile_name", value(in.project_name)},
  };
  env.set_global("target", value(std::move(target)));
  env.set_global("run_started_at", value(std::static_pointer_cast<jinja::object>(
                                       std::make_shared<datetime_object>(in.run_started_at))));
  env.set_global(
      "adapter",
      value(std::static_pointer_cast<jinja::object>(std::make_shared<adapter_object>(&env))));
  env.set_global(
      "exceptions",
      value(std::static_pointer_cast<jinja::object>(std::make_shared<exceptions_object>())));
  env.set_global("log", value::make_function("log", [](call_args& a) -> gg::result<value> {
                   const value* m = a.get(0, "msg");
                   const value* info = a.get(1, "info");
                   const std::string text = m != nullptr ? m->str() : "";
                   if (info != nullptr && info->truthy()) {
                     log_transform.info(text);
                   } else {
                     log_transform.debug(text);
                   }
                   return value("");
                 }));
  env.set_global("print", value::make_function("print", [](call_args& a) -> gg::result<value> {
                   const value* m = a.get(0, "msg");
                   log_transform.info(m != nullptr ? m->str() : "");
                   return value("");
                 }));
  env.set_global("project_name", value(in.project_name));
  env.set_global("dbt_version", value("1.9.0"));

  const std::string no_db =
      "projects compile without a database connection (introspection belongs to the runner)";
  for (const char* name : {"run_query", "statement", "load_result", "load_relation",
                           "get_columns_in_query", "store_result", "graph"}) {
    env.set_global(name, unsupported_function(name, no_db));
  }
}

}  // namespace gg::transform::detail

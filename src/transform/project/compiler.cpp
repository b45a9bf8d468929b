#include "project/compiler.hpp"

#include "project/dbt_context.hpp"
#include "project/project_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace gg::transform {
namespace {

using jinja::call_args;
using jinja::value;

constexpr std::string_view cte_prefix = "__dbt__cte__";

std::string relation_type(const node& n) {
  if (n.kind == node_kind::source) return "table";
  if (n.config.materialized == "view") return "view";
  if (n.config.materialized == "ephemeral") return "cte";
  return "table";
}

/// Inserts CTEs as dbt does: after the first top-level `with` keyword (followed by a comma), or
/// as a new `with` before the first token. Strings, quoted identifiers, comments and
/// parenthesised text are skipped when looking for `with`.
std::string inject_ctes(const std::string& sql, const std::string& ctes) {
  int depth = 0;
  std::size_t first_token = std::string::npos;
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t e = sql.find('\n', i);
      i = e == std::string::npos ? sql.size() : e + 1;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t e = sql.find("*/", i + 2);
      i = e == std::string::npos ? sql.size() : e + 2;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (first_token == std::string::npos) first_token = i;
    if (c == '\'' || c == '"') {
      const std::size_t e = sql.find(c, i + 1);
      i = e == std::string::npos ? sql.size() : e + 1;
      continue;
    }
    if (c == '(') {
      ++depth;
      ++i;
      continue;
    }
    if (c == ')') {
      --depth;
      ++i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t e = i;
      while (e < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[e])) || sql[e] == '_' || sql[e] == '$')) {
        ++e;
      }
      if (depth == 0 && e - i == 4) {
        std::string word = sql.substr(i, 4);
        std::transform(word.begin(), word.end(), word.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        if (word == "with") {
          // `with recursive` keeps its keyword first.
          std::size_t after = e;
          std::size_t k = e;
          while (k < sql.size() && std::isspace(static_cast<unsigned char>(sql[k]))) ++k;
          std::size_t r = k;
          while (r < sql.size() && std::isalpha(static_cast<unsigned char>(sql[r]))) ++r;
          std::string next = sql.substr(k, r - k);
          std::transform(next.begin(), next.end(), next.begin(),
                         [](unsigned char ch) { return std::tolower(ch); });
          if (next == "recursive") after = r;
          return sql.substr(0, after) + " " + ctes + "," + sql.substr(after);
        }
      }
      i = e;
      continue;
    }
    ++i;
  }
  const std::size_t at = first_token == std::string::npos ? sql.size() : first_token;
  return sql.substr(0, at) + "with " + ctes + "\n" + sql.substr(at);
}

/// One compile: the node, the state, and the ephemeral CTEs collected on the way.
class compilation {
 public:
  compilation(const project& p, const compile_state& state)
      : p_(p), st_(p.state()), state_(state) {}

  gg::result<compiled_node> run(const node& n) {
    std::vector<std::string> used;
    auto sql = render(n, state_, true, used);
    if (!sql) return sql.error();
    for (const std::string& id : used) {
      if (auto s = add_ephemeral(id); !s) return s.error();
    }
    compiled_node out;
    if (ctes_.empty()) {
      out.sql = std::move(*sql);
    } else {
      std::string joined;
      for (std::size_t i = 0; i < ctes_.size(); ++i) {
        if (i > 0) joined += ", ";
        joined += fmt::format("{}{} as (\n{}\n)", cte_prefix, ctes_[i].first, ctes_[i].second);
      }
      out.sql = inject_ctes(*sql, joined);
    }
    out.pre_hooks = std::move(pre_hooks_);
    out.post_hooks = std::move(post_hooks_);
    return out;
  }

 private:
  gg::status add_ephemeral(const std::string& id) {
    if (!done_.insert(id).second) return {};
    const node& e = *p_.find(id);
    std::vector<std::string> used;
    compile_state inner = state_;
    inner.is_incremental = false;
    inner.this_relation.reset();
    auto sql = render(e, inner, false, used);
    if (!sql) return sql.error();
    // An ephemeral's own ephemerals come first, as dbt flattens them.
    for (const std::string& u : used) {
      if (auto s = add_ephemeral(u); !s) return s;
    }
    ctes_.emplace_back(e.name, std::move(*sql));
    return {};
  }

  value relation_for(const node& target, const compile_state& state,
                     std::vector<std::string>& used) const {
    if (target.kind == node_kind::model && target.config.materialized == "ephemeral") {
      if (std::find(used.begin(), used.end(), target.unique_id) == used.end()) {
        used.push_back(target.unique_id);
      }
      return detail::make_relation(target.relation, "cte", std::nullopt,
                                   std::string(cte_prefix) + target.name);
    }
    std::optional<detail::event_time_filter> filter;
    if (target.config.event_time && (state.event_time_start || state.event_time_end)) {
      filter = detail::event_time_filter{*target.config.event_time, state.event_time_start,
                                         state.event_time_end};
    }
    if (target.config.load_stamp && state.load_stamp_from) {
      if (!filter) filter.emplace();
      filter->stamp_column = *target.config.load_stamp;
      filter->stamp_from = state.load_stamp_from;
    }
    return detail::make_relation(target.relation, relation_type(target), std::move(filter));
  }

  jinja::context context(const node& n, const compile_state& state,
                         std::vector<std::string>& used) const {
    jinja::context ctx;
    const node* self = &n;
    const compilation* me = this;
    std::vector<std::string>* used_ptr = &used;
    const compile_state* st = &state;
    ctx.set(
        "ref",
        value::make_function("ref", [me, self, st, used_ptr](call_args& a) -> gg::result<value> {
          if (a.positional.empty() || a.positional.size() > 2 || !a.positional.back().is_string()) {
            return gg::fail(errc::invalid_input,
                            "ref() takes a model name, or a package and a name");
          }
          const std::string name = a.positional.back().as_string();
          const node* target = me->p_.find_model(name);
          if (target == nullptr) {
            return gg::fail(errc::invalid_input,
                            fmt::format("ref('{}'): no enabled model named '{}'", name, name));
          }
          if (!std::binary_search(self->depends_on.begin(), self->depends_on.end(),
                                  target->unique_id)) {
            return gg::fail(
                errc::invalid_input,
                fmt::format("ref('{}') was not called when {} was parsed, so it is not a "
                            "dependency; add `-- depends_on: {{{{ ref('{}') }}}}` to the "
                            "model",
                            name, self->name, name));
          }
          return me->relation_for(*target, *st, *used_ptr);
        }));
    ctx.set(
        "source",
        value::make_function("source", [me, self, st, used_ptr](call_args& a) -> gg::result<value> {
          if (a.positional.size() != 2 || !a.positional[0].is_string() ||
              !a.positional[1].is_string()) {
            return gg::fail(errc::invalid_input, "source() takes a source name and a table name");
          }
          const auto key = std::make_pair(a.positional[0].as_string(), a.positional[1].as_string());
          auto it = me->st_.source_by_name.find(key);
          if (it == me->st_.source_by_name.end()) {
            return gg::fail(
                errc::invalid_input,
                fmt::format("source('{}', '{}'): no such source table", key.first, key.second));
          }
          const node& target = me->st_.nodes[it->second];
          if (!std::binary_search(self->depends_on.begin(), self->depends_on.end(),
                                  target.unique_id)) {
            return gg::fail(errc::invalid_input,
                            fmt::format("source('{}', '{}') was not called when {} was parsed; add "
                                        "`-- depends_on: {{{{ source('{}', '{}') }}}}`",
                                        key.first, key.second, self->name, key.first, key.second));
          }
          return me->relation_for(target, *st, *used_ptr);
        }));
    auto config = std::make_shared<jinja::dict>(n.config.raw);
    ctx.set("config", value(std::static_pointer_cast<jinja::object>(
                          std::make_shared<detail::config_object>(config, false))));
    const relation_name this_rel = state.this_relation.value_or(n.relation);
    ctx.set("this", detail::make_relation(this_rel, relation_type(n)));
    const bool incremental = state.is_incremental;
    ctx.set("is_incremental", value::make_function("is_incremental", [incremental](call_args&) {
              return gg::result<value>(value(incremental));
            }));
    ctx.set("execute", value(true));
    ctx.set("model", detail::node_value(n, st_.name, n.config.raw));
    ctx.set("schema", value(n.relation.schema));
    ctx.set("database", n.relation.database.empty() ? value::none() : value(n.relation.database));
    return ctx;
  }

  gg::result<std::string> render(const node& n, const compile_state& state, bool top,
                                 std::vector<std::string>& used) {
    const std::size_t idx = st_.by_id.at(n.unique_id);
    const detail::node_templates& t = st_.templates[idx];
    jinja::context ctx = context(n, state, used);
    std::string sql;
    if (t.body) {
      auto out = st_.env->render(*t.body, ctx);
      if (!out) return out.error();
      sql = std::move(*out);
    } else if (n.test && n.test->generic) {
      auto out = render_generic_test(n, state, ctx, used);
      if (!out) return out.error();
      sql = std::move(*out);
    } else {
      return gg::fail(errc::invalid_input,
                      fmt::format("{} is a source; there is nothing to compile", n.unique_id));
    }
    if (top) {
      for (const auto& h : t.pre_hooks) {
        auto out = st_.env->render(*h, ctx);
        if (!out) return out.error();
        pre_hooks_.push_back(std::move(*out));
      }
      for (const auto& h : t.post_hooks) {
        auto out = st_.env->render(*h, ctx);
        if (!out) return out.error();
        post_hooks_.push_back(std::move(*out));
      }
    }
    return sql;
  }

  gg::result<std::string> render_generic_test(const node& n, const compile_state& state,
                                              const jinja::context& ctx,
                                              std::vector<std::string>& used) {
    const test_info& info = *n.test;
    const std::size_t idx = st_.by_id.at(n.unique_id);
    const detail::node_templates& t = st_.templates[idx];
    const node* attached = p_.find(info.attached_node);
    if (attached == nullptr) {
      return gg::fail(errc::internal, fmt::format("{}: tested node {} is missing", n.unique_id,
                                                  info.attached_node));
    }
    value model = relation_for(*attached, state, used);
    if (n.config.where) {
      // dbt's get_where_subquery: the tested relation narrowed by the where config.
      model = value(
          fmt::format("(select * from {} where {}) dbt_subquery", model.str(), *n.config.where));
    }
    call_args args;
    args.keyword.emplace_back("model", model);
    if (info.column_name) args.keyword.emplace_back("column_name", value(*info.column_name));
    for (const auto& [k, v] : info.kwargs) {
      auto macro = std::find_if(t.test_kwarg_macros.begin(), t.test_kwarg_macros.end(),
                                [&](const auto& e) { return e.first == k; });
      if (macro != t.test_kwarg_macros.end()) {
        auto out = st_.env->call(st_.env->global(macro->second), {}, ctx);
        if (!out) return out.error();
        args.keyword.emplace_back(k, std::move(*out));
        continue;
      }
      auto rendered = std::find_if(t.test_kwargs.begin(), t.test_kwargs.end(),
                                   [&](const auto& e) { return e.first == k; });
      if (rendered == t.test_kwargs.end()) {
        args.keyword.emplace_back(k, v);
        continue;
      }
      auto out = st_.env->render(*rendered->second, ctx);
      if (!out) return out.error();
      args.keyword.emplace_back(k, value(std::move(*out)));
    }
    const value fn = st_.env->global("test_" + info.test_name);
    if (!fn.is_callable()) {
      return gg::fail(errc::invalid_input, fmt::format("{}: no generic test named '{}'",
                                                       n.original_file_path, info.test_name));
    }
    auto out = st_.env->call(fn, std::move(args), ctx);
    if (!out) return out.error();
    return out->str();
  }

  const project& p_;
  const detail::project_state& st_;
  const compile_state& state_;
  std::vector<std::pair<std::string, std::string>> ctes_;
  std::unordered_set<std::string> done_;
  std::vector<std::string> pre_hooks_;
  std::vector<std::string> post_hooks_;
};

}  // namespace

std::string timestamptz_literal(sys_us t) {
  return fmt::format("'{}'::timestamptz", format_iso8601_us(t));
}

gg::result<compiled_node> compile(const project& p, const node& n, const compile_state& state) {
  if (n.kind == node_kind::source) {
    return gg::fail(errc::invalid_input,
                    fmt::format("{} is a source; there is nothing to compile", n.unique_id));
  }
  if (p.find(n.unique_id) != &n && p.find(n.unique_id) == nullptr) {
    return gg::fail(errc::invalid_input,
                    fmt::format("{} is not a node of project {}", n.unique_id, p.name()));
  }
  compilation c(p, state);
  return c.run(n);
}

}  // namespace gg::transform

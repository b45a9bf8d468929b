#include "project/output.hpp"

#include <fmt/format.h>

#include <set>

namespace gg::transform {
namespace {

std::string dot_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string ls_output(const project& p, const std::vector<std::string>& ids, ls_format format) {
  std::string out;
  for (const std::string& id : ids) {
    const node* n = p.find(id);
    if (n == nullptr) continue;
    switch (format) {
      case ls_format::unique_id:
        out += n->unique_id;
        break;
      case ls_format::name:
        out += n->kind == node_kind::source
                   ? fmt::format("{}.{}", n->source->source_name, n->source->table_name)
                   : n->name;
        break;
      case ls_format::path:
        out += n->original_file_path;
        break;
    }
    out += '\n';
  }
  return out;
}

std::string graph_dot(const project& p, const std::vector<std::string>& ids) {
  const std::set<std::string> chosen(ids.begin(), ids.end());
  std::string out = fmt::format("digraph {} {{\n  rankdir=LR;\n", dot_string(p.name()));
  for (const std::string& id : ids) {
    const node* n = p.find(id);
    if (n == nullptr) continue;
    std::string attrs;
    switch (n->kind) {
      case node_kind::model:
        attrs =
            fmt::format("shape=box, label={}", dot_string(n->name + "\n" + n->config.materialized));
        break;
      case node_kind::source:
        attrs = fmt::format("shape=ellipse, color=darkgreen, label={}",
                            dot_string(n->source->source_name + "." + n->source->table_name));
        break;
      case node_kind::test:
        attrs = fmt::format("shape=note, label={}", dot_string(n->name));
        break;
    }
    out += fmt::format("  {} [{}];\n", dot_string(id), attrs);
  }
  for (const std::string& id : ids) {
    for (const std::string& parent : p.graph().parents(id)) {
      if (chosen.count(parent) != 0) {
        out += fmt::format("  {} -> {};\n", dot_string(parent), dot_string(id));
      }
    }
  }
  out += "}\n";
  return out;
}

gg::result<std::string> compile_output(const project& p, const std::vector<std::string>& ids,
                                       const compile_state& state) {
  std::string out;
  for (const std::string& id : ids) {
    const node* n = p.find(id);
    if (n == nullptr || n->kind == node_kind::source) continue;
    auto c = compile(p, *n, state);
    if (!c) return c.error();
    out += fmt::format("-- {} ({})\n", n->unique_id, n->original_file_path);
    for (const std::string& h : c->pre_hooks) out += fmt::format("-- pre_hook:\n{};\n", h);
    out += c->sql;
    if (!c->sql.empty() && c->sql.back() != '\n') out += '\n';
    for (const std::string& h : c->post_hooks) out += fmt::format("-- post_hook:\n{};\n", h);
    out += '\n';
  }
  return out;
}

}  // namespace gg::transform

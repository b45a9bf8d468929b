#include "project/selector.hpp"

#include <fmt/format.h>

#include <fnmatch.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

namespace gg::transform {
namespace {

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// One parsed criterion: `[@][n+]method:value[+n]`.
struct criterion {
  std::string text;
  bool at = false;
  bool parents = false;
  int parents_depth = -1;
  bool children = false;
  int children_depth = -1;
  std::string method;
  std::string value;
};

gg::result<criterion> parse_criterion(const std::string& text) {
  static const std::regex pattern(R"(^(@)?((\d*)\+)?(([\w.]+):)?(.*?)(\+(\d*))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern) || m[6].str().empty()) {
    return gg::fail(errc::invalid_input, fmt::format("selector '{}' is malformed", text));
  }
  criterion c;
  c.text = text;
  c.at = m[1].matched;
  c.parents = m[2].matched;
  if (m[3].matched && !m[3].str().empty()) c.parents_depth = std::stoi(m[3].str());
  c.method = m[5].matched ? m[5].str() : "";
  c.value = m[6].str();
  c.children = m[7].matched;
  if (m[8].matched && !m[8].str().empty()) c.children_depth = std::stoi(m[8].str());
  if (c.at && (c.parents || c.children)) {
    return gg::fail(errc::invalid_input,
                    fmt::format("selector '{}': '@' cannot be combined with '+'", text));
  }
  return c;
}

bool fqn_match(const node& n, const std::string& value, const std::string& project_name) {
  if (n.kind == node_kind::source) return false;
  const std::vector<std::string> parts = split(value, '.');
  if (parts.size() == 1) {
    if (glob(value, n.name)) return true;
    if (value == project_name) return true;
  }
  // A dotted prefix of the fqn: project.folder.model, folder.model, or folder.
  for (std::size_t start = 0; start <= 1 && start < n.fqn.size(); ++start) {
    if (parts.size() + start > n.fqn.size()) continue;
    bool all = true;
    for (std::size_t i = 0; i < parts.size() && all; ++i) all = glob(parts[i], n.fqn[start + i]);
    if (all) return true;
  }
  return false;
}

bool path_match(const node& n, std::string value) {
  while (value.size() > 1 && value.back() == '/') value.pop_back();
  if (value.starts_with("./")) value = value.substr(2);
  const std::string& file = n.original_file_path;
  if (glob(value, file)) return true;
  return file.starts_with(value + "/");
}

std::string raw_text(const jinja::value& v) {
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return v.str();
}

gg::result<bool> matches(const node& n, const criterion& c, const std::string& project_name) {
  const std::string& m = c.method;
  const std::string& v = c.value;
  if (m.empty()) {
    const bool pathish = v.find('/') != std::string::npos || v.ends_with(".sql") ||
                         v.ends_with(".yml") || v.ends_with(".yaml");
    return pathish ? path_match(n, v) : fqn_match(n, v, project_name);
  }
  if (m == "fqn") return fqn_match(n, v, project_name);
  if (m == "path") return path_match(n, v);
  if (m == "file") {
    const std::string base = n.original_file_path.substr(n.original_file_path.rfind('/') + 1);
    return glob(v, base) || glob(v, base.substr(0, base.rfind('.')));
  }
  if (m == "tag") {
    return std::any_of(n.config.tags.begin(), n.config.tags.end(),
                       [&](const std::string& t) { return glob(v, t); });
  }
  if (m == "package") return glob(v, project_name);
  if (m == "resource_type") {
    if (v != "model" && v != "test" && v != "source") {
      return gg::fail(errc::invalid_input,
                      fmt::format("selector '{}': resource_type is model, test or source", c.text));
    }
    return v == to_string(n.kind);
  }
  if (m == "test_type") {
    if (v != "generic" && v != "singular" && v != "data" && v != "schema") {
      return gg::fail(errc::invalid_input,
                      fmt::format("selector '{}': test_type is generic or singular", c.text));
    }
    if (!n.test) return false;
    const bool generic = v == "generic" || v == "schema";
    return n.test->generic == generic;
  }
  if (m == "test_name") return n.test && n.test->generic && glob(v, n.test->test_name);
  if (m == "source") {
    if (n.kind != node_kind::source) return false;
    std::vector<std::string> parts = split(v, '.');
    if (parts.size() == 3) {
      if (!glob(parts[0], project_name)) return false;
      parts.erase(parts.begin());
    }
    if (parts.size() > 2) {
      return gg::fail(
          errc::invalid_input,
          fmt::format("selector '{}': use source:<source> or source:<source>.<table>", c.text));
    }
    if (!glob(parts[0], n.source->source_name)) return false;
    return parts.size() == 1 || glob(parts[1], n.source->table_name);
  }
  if (m.starts_with("config.")) {
    const std::string key = m.substr(7);
    const jinja::value* cv = n.config.raw.find(key == "pre-hook"    ? "pre_hook"
                                               : key == "post-hook" ? "post_hook"
                                                                    : key);
    if (key == "materialized" && cv == nullptr) return glob(v, n.config.materialized);
    if (cv == nullptr) return false;
    if (cv->is_list()) {
      return std::any_of(cv->as_list().begin(), cv->as_list().end(),
                         [&](const jinja::value& item) { return glob(v, raw_text(item)); });
    }
    return glob(v, raw_text(*cv));
  }
  return gg::fail(errc::invalid_input,
                  fmt::format("selector '{}': unknown method '{}' (fqn, path, file, tag, package, "
                              "config.<key>, source, resource_type, test_type, test_name)",
                              c.text, m));
}

/// The ids one criterion selects, with its graph operators applied.
gg::result<std::set<std::string>> select_criterion(const project& p, const criterion& c) {
  std::set<std::string> base;
  for (const node& n : p.nodes()) {
    auto m = matches(n, c, p.name());
    if (!m) return m.error();
    if (*m) base.insert(n.unique_id);
  }
  std::set<std::string> out = base;
  const graph& g = p.graph();
  for (const std::string& id : base) {
    if (c.parents) {
      for (std::string& a : g.ancestors(id, c.parents_depth)) out.insert(std::move(a));
    }
    if (c.children || c.at) {
      for (std::string& d : g.descendants(id, c.children_depth)) {
        if (c.at) {
          for (std::string& a : g.ancestors(d)) out.insert(std::move(a));
        }
        out.insert(std::move(d));
      }
    }
  }
  return out;
}

/// A union over whitespace-separated terms, each an intersection over commas.
gg::result<std::set<std::string>> select_terms(const project& p,
                                               const std::vector<std::string>& args) {
  std::set<std::string> out;
  for (const std::string& arg : args) {
    std::istringstream words(arg);
    std::string term;
    while (words >> term) {
      std::optional<std::set<std::string>> acc;
      for (const std::string& part : split(term, ',')) {
        if (part.empty()) {
          return gg::fail(errc::invalid_input, fmt::format("selector '{}' is malformed", term));
        }
        auto c = parse_criterion(part);
        if (!c) return c.error();
        auto s = select_criterion(p, *c);
        if (!s) return s.error();
        if (!acc) {
          acc = std::move(*s);
        } else {
          std::set<std::string> both;
          std::set_intersection(acc->begin(), acc->end(), s->begin(), s->end(),
                                std::inserter(both, both.begin()));
          acc = std::move(both);
        }
      }
      out.insert(acc->begin(), acc->end());
    }
  }
  return out;
}

}  // namespace

gg::result<std::vector<std::string>> select(const project& p, const selection& sel) {
  std::set<std::string> chosen;
  bool any_select = false;
  for (const std::string& s : sel.select) {
    if (s.find_first_not_of(" \t") != std::string::npos) any_select = true;
  }
  if (!any_select) {
    for (const node& n : p.nodes()) chosen.insert(n.unique_id);
  } else {
    auto s = select_terms(p, sel.select);
    if (!s) return s.error();
    chosen = std::move(*s);
  }
  auto excluded = select_terms(p, sel.exclude);
  if (!excluded) return excluded.error();
  for (const std::string& id : *excluded) chosen.erase(id);
  if (sel.indirect_tests) {
    for (const node& n : p.nodes()) {
      if (n.kind != node_kind::test || chosen.count(n.unique_id) != 0 ||
          excluded->count(n.unique_id) != 0) {
        continue;
      }
      if (std::any_of(n.depends_on.begin(), n.depends_on.end(),
                      [&](const std::string& d) { return chosen.count(d) != 0; })) {
        chosen.insert(n.unique_id);
      }
    }
  }
  std::vector<std::string> out;
  out.reserve(chosen.size());
  for (const std::string& id : p.graph().order()) {
    if (chosen.count(id) != 0) out.push_back(id);
  }
  return out;
}

}  // namespace gg::transform

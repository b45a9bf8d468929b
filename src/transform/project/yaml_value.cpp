#include "project/yaml_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace gg::transform::detail {
namespace {

std::optional<jinja::value> typed_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL" || s == "None") {
    return jinja::value::none();
  }
  if (s == "true" || s == "True" || s == "TRUE") return jinja::value(true);
  if (s == "false" || s == "False" || s == "FALSE") return jinja::value(false);
  std::int64_t i = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  if (auto [p, ec] = std::from_chars(b, e, i); ec == std::errc{} && p == e) {
    return jinja::value(i);
  }
  double d = 0;
  const bool numeric_start =
      std::isdigit(static_cast<unsigned char>(*b)) != 0 || ((*b == '-' || *b == '.') && b + 1 < e);
  if (numeric_start) {
    if (auto [p, ec] = std::from_chars(b, e, d); ec == std::errc{} && p == e) {
      return jinja::value(d);
    }
  }
  return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

gg::result<yaml_file> load_yaml(const std::filesystem::path& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return gg::fail(errc::io, fmt::format("{}: cannot open", name));
  std::stringstream ss;
  ss << in.rdbuf();
  auto root = parse_yaml(ss.str(), name);
  if (!root) return root.error();
  return yaml_file{std::move(name), std::move(*root)};
}

gg::result<YAML::Node> parse_yaml(std::string_view text, const std::string& name) {
  // yaml-cpp reports errors by exception; they stop here.
  try {
    return gg::result<YAML::Node>(boost::system::in_place_value, YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    // YAML::Node converts from anything, so the error alternative is named explicitly.
    return gg::result<YAML::Node>(
        boost::system::in_place_error,
        gg::fail(errc::invalid_input, fmt::format("{}:{}:{}: invalid YAML: {}", name,
                                                  e.mark.line + 1, e.mark.column + 1, e.msg)));
  }
}

std::string position(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return file;
  return fmt::format("{}:{}:{}", file, m.line + 1, m.column + 1);
}

gg::error yaml_error(const std::string& file, const YAML::Node& n, std::string_view message) {
  return gg::error{errc::invalid_input, fmt::format("{}: {}", position(file, n), message)};
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

gg::status check_keys(const std::string& file, const YAML::Node& n,
                      std::initializer_list<std::string_view> allowed, std::string_view what) {
  if (!n.IsMap()) return yaml_error(file, n, fmt::format("{} must be a mapping", what));
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::vector<std::string> options(allowed.begin(), allowed.end());
    const std::string hint = closest(key, options);
    return yaml_error(file, it->first,
                      fmt::format("unknown key '{}' in {}{}", key, what,
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
  }
  return {};
}

bool is_string_scalar(const YAML::Node& n) {
  if (!n.IsScalar()) return false;
  if (n.Tag() == "!") return true;  // quoted
  return !typed_scalar(n.Scalar()).has_value();
}

jinja::value to_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return jinja::value::none();
    case YAML::NodeType::Scalar: {
      if (n.Tag() == "!") return jinja::value(n.Scalar());
      if (auto v = typed_scalar(n.Scalar())) return *v;
      return jinja::value(n.Scalar());
    }
    case YAML::NodeType::Sequence: {
      jinja::list l;
      l.reserve(n.size());
      for (const YAML::Node& item : n) l.push_back(to_value(item));
      return jinja::value(std::move(l));
    }
    case YAML::NodeType::Map: {
      jinja::dict d;
      for (auto it = n.begin(); it != n.end(); ++it)
        d.set(it->first.Scalar(), to_value(it->second));
      return jinja::value(std::move(d));
    }
  }
  return jinja::value::none();
}

jinja::value retype_rendered(const std::string& text) {
  if (auto v = typed_scalar(text)) return *v;
  return jinja::value(text);
}

bool has_jinja(std::string_view text) noexcept {
  return text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos ||
         text.find("{#") != std::string_view::npos;
}

gg::result<jinja::value> to_rendered_value(const jinja::environment& env, const std::string& file,
                                           const YAML::Node& n) {
  if (n.IsScalar() && has_jinja(n.Scalar())) {
    const std::string& text = n.Scalar();
    auto t = jinja::parse_template(position(file, n), text);
    if (!t) return t.error();
    jinja::context ctx;
    auto out = env.render(**t, ctx);
    if (!out) return out.error();
    // A value that is one expression keeps the type it renders to ("{{ var('n') }}" -> 3).
    std::string_view trimmed = text;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
      trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    const bool single = trimmed.starts_with("{{") && trimmed.ends_with("}}") &&
                        trimmed.find("{{", 2) == std::string_view::npos;
    return single ? retype_rendered(*out) : jinja::value(*out);
  }
  if (n.IsSequence()) {
    jinja::list l;
    for (const YAML::Node& item : n) {
      auto v = to_rendered_value(env, file, item);
      if (!v) return v.error();
      l.push_back(std::move(*v));
    }
    return jinja::value(std::move(l));
  }
  if (n.IsMap()) {
    jinja::dict d;
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto v = to_rendered_value(env, file, it->second);
      if (!v) return v.error();
      d.set(it->first.Scalar(), std::move(*v));
    }
    return jinja::value(std::move(d));
  }
  return to_value(n);
}

}  // namespace gg::transform::detail

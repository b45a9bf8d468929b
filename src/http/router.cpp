#include <gadgetgrove/http/router.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <unordered_map>

namespace gg::http {

namespace {

constexpr std::size_t verb_count = static_cast<std::size_t>(verb::other) + 1;

struct route_entry {
  handler fn;
  route_options options;
};

/// The handlers registered for one path (or pattern, or prefix), one slot per verb.
struct method_table {
  std::array<std::unique_ptr<route_entry>, verb_count> by_verb;

  const route_entry* find(verb method) const noexcept {
    if (const auto& e = by_verb[static_cast<std::size_t>(method)]; e) return e.get();
    if (method == verb::head) return by_verb[static_cast<std::size_t>(verb::get)].get();
    return nullptr;
  }

  void add(verb method, handler fn, route_options options, std::string_view path) {
    auto& slot = by_verb[static_cast<std::size_t>(method)];
    if (slot) {
      throw std::invalid_argument("duplicate route " + std::string{to_string(method)} + " " +
                                  std::string{path});
    }
    slot = std::make_unique<route_entry>(route_entry{std::move(fn), options});
  }

  void append_allow(std::array<bool, verb_count>& allowed) const noexcept {
    for (std::size_t i = 0; i < verb_count; ++i) {
      if (by_verb[i]) allowed[i] = true;
    }
    if (by_verb[static_cast<std::size_t>(verb::get)]) {
      allowed[static_cast<std::size_t>(verb::head)] = true;
    }
  }
};

struct segment {
  std::string text;
  bool is_param = false;
};

struct pattern_route {
  std::string source;
  std::vector<segment> segments;
  method_table methods;
};

struct prefix_route {
  std::string prefix;
  method_table methods;
};

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// Splits "/a/b/c" into {"a","b","c"}; the leading '/' is implied.
template <class F>
void for_each_segment(std::string_view path, F&& f) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    f(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

void check_path(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("route path must start with '/': " + std::string{path});
  }
}

std::string allow_header(const std::array<bool, verb_count>& allowed) {
  std::string out;
  for (std::size_t i = 0; i < verb_count; ++i) {
    if (!allowed[i] || static_cast<verb>(i) == verb::other) continue;
    if (!out.empty()) out += ", ";
    out += to_string(static_cast<verb>(i));
  }
  return out;
}

}  // namespace

struct router::impl {
  std::unordered_map<std::string, method_table, string_hash, std::equal_to<>> exact;
  std::vector<pattern_route> patterns;
  std::vector<prefix_route> prefixes;  // longest first
  std::unique_ptr<route_entry> fallback;

  bool match_pattern(const pattern_route& p, std::string_view path,
                     std::vector<std::pair<std::string, std::string>>* params) const {
    std::size_t i = 0;
    bool ok = true;
    for_each_segment(path, [&](std::string_view seg) {
      if (!ok) return;
      if (i >= p.segments.size()) {
        ok = false;
        return;
      }
      const segment& s = p.segments[i++];
      if (s.is_param) {
        if (seg.empty())
          ok = false;
        else if (params)
          params->emplace_back(s.text, percent_decode(seg, false));
      } else if (seg != s.text) {
        ok = false;
      }
    });
    return ok && i == p.segments.size();
  }
};

router::router() : impl_(std::make_unique<impl>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

router& router::add(verb method, std::string path, handler fn, route_options options) {
  check_path(path);
  if (path.find('{') == std::string::npos) {
    impl_->exact[path].add(method, std::move(fn), options, path);
    return *this;
  }
  auto it = std::find_if(impl_->patterns.begin(), impl_->patterns.end(),
                         [&](const pattern_route& p) { return p.source == path; });
  if (it == impl_->patterns.end()) {
    pattern_route p;
    p.source = path;
    for_each_segment(path, [&](std::string_view seg) {
      const bool is_param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
      if (is_param) seg = seg.substr(1, seg.size() - 2);
      if (is_param && seg.empty()) {
        throw std::invalid_argument("empty route parameter name: " + path);
      }
      p.segments.push_back({std::string{seg}, is_param});
    });
    impl_->patterns.push_back(std::move(p));
    it = std::prev(impl_->patterns.end());
  }
  it->methods.add(method, std::move(fn), options, path);
  return *this;
}

router& router::add_prefix(verb method, std::string prefix, handler fn, route_options options) {
  check_path(prefix);
  auto it = std::find_if(impl_->prefixes.begin(), impl_->prefixes.end(),
                         [&](const prefix_route& p) { return p.prefix == prefix; });
  if (it == impl_->prefixes.end()) {
    impl_->prefixes.push_back(prefix_route{prefix, {}});
    std::stable_sort(impl_->prefixes.begin(), impl_->prefixes.end(),
                     [](const prefix_route& a, const prefix_route& b) {
                       return a.prefix.size() > b.prefix.size();
                     });
    it = std::find_if(impl_->prefixes.begin(), impl_->prefixes.end(),
                      [&](const prefix_route& p) { return p.prefix == prefix; });
  }
  it->methods.add(method, std::move(fn), options, prefix);
  return *this;
}

router& router::set_fallback(handler fn, route_options options) {
  impl_->fallback = std::make_unique<route_entry>(route_entry{std::move(fn), options});
  return *this;
}

route_match router::match(verb method, std::string_view path) const {
  route_match m;
  std::array<bool, verb_count> allowed{};
  bool path_known = false;

  const auto found = [&](const route_entry& e) {
    m.result = route_match::outcome::found;
    m.target = &e.fn;
    m.body_limit = e.options.body_limit;
  };

  if (const auto it = impl_->exact.find(path); it != impl_->exact.end()) {
    if (const route_entry* e = it->second.find(method)) {
      found(*e);
      return m;
    }
    path_known = true;
    it->second.append_allow(allowed);
  }
  for (const auto& p : impl_->patterns) {
    if (!impl_->match_pattern(p, path, nullptr)) continue;
    if (const route_entry* e = p.methods.find(method)) {
      impl_->match_pattern(p, path, &m.params);
      found(*e);
      return m;
    }
    path_known = true;
    p.methods.append_allow(allowed);
  }
  for (const auto& p : impl_->prefixes) {
    if (!path.starts_with(p.prefix)) continue;
    if (const route_entry* e = p.methods.find(method)) {
      found(*e);
      return m;
    }
    path_known = true;
    p.methods.append_allow(allowed);
  }
  if (path_known) {
    m.result = route_match::outcome::method_not_allowed;
    m.allow = allow_header(allowed);
    return m;
  }
  if (impl_->fallback) {
    found(*impl_->fallback);
    return m;
  }
  m.result = route_match::outcome::not_found;
  return m;
}

}  // namespace gg::http

// The Python methods of str, list and dict that dbt projects call from templates.

#include "builtins.hpp"
#include "unicode_case.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace gg::transform::jinja::detail {
namespace {

gg::error type_error(std::string message) {
  return gg::error{errc::invalid_input, std::move(message)};
}

constexpr std::array<std::string_view, 33> string_methods = {
    "upper",      "lower",     "strip",      "lstrip",       "rstrip",      "split",  "rsplit",
    "startswith", "endswith",  "replace",    "format",       "join",        "title",  "capitalize",
    "find",       "rfind",     "index",      "count",        "splitlines",  "zfill",  "isdigit",
    "isalpha",    "isalnum",   "isupper",    "islower",      "isspace",     "center", "ljust",
    "rjust",      "partition", "rpartition", "removeprefix", "removesuffix"};
constexpr std::array<std::string_view, 10> list_methods = {
    "append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "copy"};
constexpr std::array<std::string_view, 9> dict_methods = {
    "items", "keys", "values", "get", "update", "pop", "setdefault", "copy", "clear"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Argument `pos`/`name` of a method, checking the count of positional arguments.
class method_args {
 public:
  method_args(std::string_view method, call_args& args, std::size_t max_positional)
      : method_(method), args_(args), max_(max_positional) {}

  gg::status check() const {
    if (args_.positional.size() > max_) {
      return type_error(fmt::format("{}() takes at most {} argument(s) ({} given)", method_, max_,
                                    args_.positional.size()));
    }
    return {};
  }
  const value* get(std::size_t pos, std::string_view name) const { return args_.get(pos, name); }
  gg::result<std::string> str(std::size_t pos, std::string_view name, std::string fallback) const {
    const value* v = get(pos, name);
    if (!v || v->is_none()) return fallback;
    if (!v->is_string()) {
      return type_error(fmt::format("{}() argument must be str, not {}", method_, v->type_name()));
    }
    return v->as_string();
  }
  gg::result<std::int64_t> integer(std::size_t pos, std::string_view name,
                                   std::int64_t fallback) const {
    const value* v = get(pos, name);
    if (!v || v->is_none()) return fallback;
    if (v->is_bool()) return v->as_bool() ? 1 : 0;
    if (!v->is_int()) {
      return type_error(fmt::format("{}() argument must be int, not {}", method_, v->type_name()));
    }
    return v->as_int();
  }
  gg::result<std::string> required_str(std::size_t pos, std::string_view name) const {
    if (!get(pos, name)) {
      return type_error(fmt::format("{}() missing required argument '{}'", method_, name));
    }
    return str(pos, name, "");
  }

 private:
  std::string_view method_;
  call_args& args_;
  std::size_t max_;
};

std::string strip_chars(const std::string& s, const value* chars, bool left, bool right) {
  auto strip_it = [&](char c) {
    if (!chars || chars->is_none()) return is_space(c);
    return chars->as_string().find(c) != std::string::npos;
  };
  std::size_t b = 0;
  std::size_t e = s.size();
  if (left) {
    while (b < e && strip_it(s[b])) ++b;
  }
  if (right) {
    while (e > b && strip_it(s[e - 1])) --e;
  }
  return s.substr(b, e - b);
}

// Python's str.split / rsplit.
list split(const std::string& s, const std::string* sep, std::int64_t maxsplit, bool from_right) {
  list out;
  if (!sep) {
    std::vector<std::pair<std::size_t, std::size_t>> words;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size()) break;
      std::size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      words.emplace_back(i, j);
      i = j;
    }
    if (maxsplit < 0 || static_cast<std::size_t>(maxsplit) >= words.size()) {
      for (auto [b, e] : words) out.emplace_back(s.substr(b, e - b));
      return out;
    }
    auto m = static_cast<std::size_t>(maxsplit);
    if (!from_right) {
      for (std::size_t k = 0; k < m; ++k)
        out.emplace_back(s.substr(words[k].first, words[k].second - words[k].first));
      std::string rest = s.substr(words[m].first);
      while (!rest.empty() && is_space(rest.back())) rest.pop_back();
      out.emplace_back(std::move(rest));
    } else {
      std::size_t first = words.size() - m;
      std::string rest = s.substr(0, words[first - 1].second);
      std::size_t k = 0;
      while (k < rest.size() && is_space(rest[k])) ++k;
      out.emplace_back(rest.substr(k));
      for (std::size_t w = first; w < words.size(); ++w) {
        out.emplace_back(s.substr(words[w].first, words[w].second - words[w].first));
      }
    }
    return out;
  }
  std::vector<std::string> parts;
  if (!from_right) {
    std::size_t start = 0;
    std::int64_t n = 0;
    while (maxsplit < 0 || n < maxsplit) {
      std::size_t at = s.find(*sep, start);
      if (at == std::string::npos) break;
      parts.push_back(s.substr(start, at - start));
      start = at + sep->size();
      ++n;
    }
    parts.push_back(s.substr(start));
  } else {
    std::size_t end = s.size();
    std::int64_t n = 0;
    while (maxsplit < 0 || n < maxsplit) {
      if (end < sep->size()) break;
      std::size_t at = s.rfind(*sep, end - sep->size());
      if (at == std::string::npos) break;
      parts.push_back(s.substr(at + sep->size(), end - at - sep->size()));
      end = at;
      ++n;
    }
    parts.push_back(s.substr(0, end));
    std::reverse(parts.begin(), parts.end());
  }
  for (auto& p : parts) out.emplace_back(std::move(p));
  return out;
}

gg::result<std::string> replace_all(const std::string& s, const std::string& from,
                                    const std::string& to, std::int64_t count, const limits& lim) {
  std::string out;
  std::int64_t done = 0;
  auto grow = [&](std::size_t add) -> bool { return out.size() + add <= lim.max_output_bytes; };
  if (from.empty()) {
    // Python inserts `to` before every character and at the end.
    std::size_t i = 0;
    while (true) {
      if (count < 0 || done < count) {
        if (!grow(to.size())) break;
        out += to;
        ++done;
      }
      if (i >= s.size()) return out;
      out += s[i++];
    }
    return type_error(
        fmt::format("replace result exceeds the limit of {} bytes", lim.max_output_bytes));
  }
  std::size_t start = 0;
  while (count < 0 || done < count) {
    std::size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    if (!grow(at - start + to.size())) {
      return type_error(
          fmt::format("replace result exceeds the limit of {} bytes", lim.max_output_bytes));
    }
    out.append(s, start, at - start);
    out += to;
    start = at + from.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

gg::result<std::string> pad(const std::string& s, std::int64_t width, const std::string& fill,
                            char where, const limits& lim) {
  if (fill.size() != 1) return type_error("The fill character must be exactly one character long");
  std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
  if (width <= len) return s;
  if (static_cast<std::uint64_t>(width) > lim.max_output_bytes) {
    return type_error(fmt::format("width exceeds the limit of {} bytes", lim.max_output_bytes));
  }
  auto total = static_cast<std::size_t>(width - len);
  std::size_t left = where == 'l' ? 0 : where == 'r' ? total : total / 2 + (total & width & 1);
  std::string out(left, fill[0]);
  out += s;
  out.append(total - left, fill[0]);
  return out;
}

// Code-point boundaries of s: offsets[i] is where character i starts; offsets.back() = size.
std::vector<std::size_t> char_offsets(const std::string& s) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  offsets.push_back(s.size());
  return offsets;
}

// Python slice bounds: normalised start, stop and step for a sequence of n items.
gg::result<std::vector<std::size_t>> slice_indices(std::size_t n, const value& start_v,
                                                   const value& stop_v, const value& step_v) {
  std::int64_t len = static_cast<std::int64_t>(n);
  std::int64_t step = step_v.is_none() ? 1 : step_v.as_int();
  if (step == 0) return type_error("slice step cannot be zero");
  auto clamp = [&](const value& v, std::int64_t dflt) -> std::int64_t {
    if (v.is_none()) return dflt;
    std::int64_t i = v.as_int();
    if (i < 0) {
      i += len;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= len) {
      i = step < 0 ? len - 1 : len;
    }
    return i;
  };
  std::int64_t start = clamp(start_v, step < 0 ? len - 1 : 0);
  std::int64_t stop = clamp(stop_v, step < 0 ? -1 : len);
  std::vector<std::size_t> idx;
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step) idx.push_back(static_cast<std::size_t>(i));
  } else {
    for (std::int64_t i = start; i > stop; i += step) idx.push_back(static_cast<std::size_t>(i));
  }
  return idx;
}

gg::result<value> string_method(const std::string& s, std::string_view name, call_args& args,
                                const limits& lim) {
  if (name == "format") {
    auto r = brace_format(s, args);
    if (!r) return r.error();
    return value(std::move(*r));
  }
  if (name == "__getitem__" || name == "__slice__") {
    std::vector<std::size_t> offsets = char_offsets(s);
    std::size_t n = offsets.size() - 1;
    if (name == "__getitem__") {
      std::int64_t i = args.positional[0].as_int();
      if (i < 0) i += static_cast<std::int64_t>(n);
      if (i < 0 || i >= static_cast<std::int64_t>(n)) return value();
      auto k = static_cast<std::size_t>(i);
      return value(s.substr(offsets[k], offsets[k + 1] - offsets[k]));
    }
    auto idx = slice_indices(n, args.positional[0], args.positional[1], args.positional[2]);
    if (!idx) return idx.error();
    std::string out;
    for (std::size_t k : *idx) out.append(s, offsets[k], offsets[k + 1] - offsets[k]);
    return value(std::move(out));
  }
  std::size_t max_args = 0;
  if (name == "split" || name == "rsplit" || name == "startswith" || name == "endswith" ||
      name == "center" || name == "ljust" || name == "rjust" || name == "find" || name == "rfind" ||
      name == "index" || name == "count") {
    max_args = 3;
  } else if (name == "replace") {
    max_args = 3;
  } else if (name == "strip" || name == "lstrip" || name == "rstrip" || name == "join" ||
             name == "zfill" || name == "partition" || name == "rpartition" ||
             name == "removeprefix" || name == "removesuffix" || name == "splitlines") {
    max_args = 1;
  }
  method_args a(name, args, max_args);
  if (auto st = a.check(); !st) return st.error();
  if (name == "upper") return value(utf8_upper(s));
  if (name == "lower") return value(utf8_lower(s));
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const value* chars = a.get(0, "chars");
    if (chars && !chars->is_none() && !chars->is_string()) {
      return type_error(fmt::format("{} arg must be None or str", name));
    }
    return value(strip_chars(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    const value* sep_v = a.get(0, "sep");
    auto maxsplit = a.integer(1, "maxsplit", -1);
    if (!maxsplit) return maxsplit.error();
    if (sep_v && !sep_v->is_none()) {
      if (!sep_v->is_string()) {
        return type_error(fmt::format("must be str or None, not {}", sep_v->type_name()));
      }
      if (sep_v->as_string().empty()) return type_error("empty separator");
      return value(split(s, &sep_v->as_string(), *maxsplit, name == "rsplit"));
    }
    return value(split(s, nullptr, *maxsplit, name == "rsplit"));
  }
  if (name == "startswith" || name == "endswith") {
    const value* what = a.get(0, "prefix");
    if (!what) return type_error(fmt::format("{}() takes at least 1 argument (0 given)", name));
    std::vector<std::string> options;
    if (what->is_string()) {
      options.push_back(what->as_string());
    } else if (what->is_list()) {
      for (const value& v : what->as_list()) {
        if (!v.is_string()) {
          return type_error(
              fmt::format("tuple for {} must only contain str, not {}", name, v.type_name()));
        }
        options.push_back(v.as_string());
      }
    } else {
      return type_error(fmt::format("{} first arg must be str or a tuple of str, not {}", name,
                                    what->type_name()));
    }
    for (const std::string& o : options) {
      bool hit = name == "startswith"
                     ? s.compare(0, o.size(), o) == 0
                     : (s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0);
      if (hit) return value(true);
    }
    return value(false);
  }
  if (name == "replace") {
    auto from = a.required_str(0, "old");
    if (!from) return from.error();
    auto to = a.required_str(1, "new");
    if (!to) return to.error();
    auto count = a.integer(2, "count", -1);
    if (!count) return count.error();
    auto r = replace_all(s, *from, *to, *count, lim);
    if (!r) return r.error();
    return value(std::move(*r));
  }
  if (name == "join") {
    const value* seq = a.get(0, "iterable");
    if (!seq) return type_error("join() takes exactly one argument (0 given)");
    auto items = iterate(*seq);
    if (!items) return items.error();
    std::string out;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const value& item = (*items)[i];
      if (!item.is_string()) {
        return type_error(
            fmt::format("sequence item {}: expected str instance, {} found", i, item.type_name()));
      }
      if (i > 0) out += s;
      out += item.as_string();
      if (out.size() > lim.max_output_bytes) {
        return type_error(
            fmt::format("join result exceeds the limit of {} bytes", lim.max_output_bytes));
      }
    }
    return value(std::move(out));
  }
  if (name == "title") {
    return value(utf8_title(s, [](std::uint32_t c) { return !is_cased(c); }));
  }
  if (name == "capitalize") return value(utf8_capitalize(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "count") {
    auto sub = a.required_str(0, "sub");
    if (!sub) return sub.error();
    if (a.get(1, "start") || a.get(2, "end")) {
      return type_error(fmt::format("{}() with start/end is not supported here", name));
    }
    if (name == "count") {
      if (sub->empty()) return value(static_cast<long long>(utf8_length(s) + 1));
      long long n = 0;
      for (std::size_t at = s.find(*sub); at != std::string::npos;
           at = s.find(*sub, at + sub->size())) {
        ++n;
      }
      return value(n);
    }
    std::size_t at = name == "rfind" ? s.rfind(*sub) : s.find(*sub);
    if (at == std::string::npos) {
      if (name == "index") return type_error("substring not found");
      return value(-1);
    }
    return value(static_cast<long long>(utf8_length(std::string_view(s).substr(0, at))));
  }
  if (name == "splitlines") {
    list out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\n' || s[i] == '\r') {
        out.emplace_back(s.substr(start, i - start));
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        start = i + 1;
      }
    }
    if (start < s.size()) out.emplace_back(s.substr(start));
    return value(std::move(out));
  }
  if (name == "zfill") {
    auto width = a.integer(0, "width", 0);
    if (!width) return width.error();
    std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
    if (*width <= len) return value(s);
    if (static_cast<std::uint64_t>(*width) > lim.max_output_bytes) {
      return type_error("zfill width exceeds the output limit");
    }
    std::string out = s;
    std::size_t at = (!out.empty() && (out[0] == '-' || out[0] == '+')) ? 1 : 0;
    out.insert(at, static_cast<std::size_t>(*width - len), '0');
    return value(std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    auto width = a.integer(0, "width", 0);
    if (!width) return width.error();
    auto fill = a.str(1, "fillchar", " ");
    if (!fill) return fill.error();
    auto r = pad(s, *width, *fill, name == "ljust" ? 'l' : name == "rjust" ? 'r' : 'c', lim);
    if (!r) return r.error();
    return value(std::move(*r));
  }
  if (name == "partition" || name == "rpartition") {
    auto sep = a.required_str(0, "sep");
    if (!sep) return sep.error();
    if (sep->empty()) return type_error("empty separator");
    std::size_t at = name == "partition" ? s.find(*sep) : s.rfind(*sep);
    if (at == std::string::npos) {
      if (name == "partition") return value::make_tuple(list{value(s), value(""), value("")});
      return value::make_tuple(list{value(""), value(""), value(s)});
    }
    return value::make_tuple(
        list{value(s.substr(0, at)), value(*sep), value(s.substr(at + sep->size()))});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    auto affix = a.required_str(0, name == "removeprefix" ? "prefix" : "suffix");
    if (!affix) return affix.error();
    if (name == "removeprefix" && s.compare(0, affix->size(), *affix) == 0) {
      return value(s.substr(affix->size()));
    }
    if (name == "removesuffix" && s.size() >= affix->size() &&
        s.compare(s.size() - affix->size(), affix->size(), *affix) == 0) {
      return value(s.substr(0, s.size() - affix->size()));
    }
    return value(s);
  }
  // The is* predicates (ASCII classes).
  if (s.empty()) return value(false);
  if (name == "isdigit") return value(std::all_of(s.begin(), s.end(), is_digit));
  if (name == "isalpha") return value(std::all_of(s.begin(), s.end(), is_alpha));
  if (name == "isalnum") {
    return value(
        std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || is_digit(c); }));
  }
  if (name == "isspace") return value(std::all_of(s.begin(), s.end(), is_space));
  bool any_cased = std::any_of(s.begin(), s.end(), is_alpha);
  if (name == "isupper") {
    return value(any_cased &&
                 std::none_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; }));
  }
  if (name == "islower") {
    return value(any_cased &&
                 std::none_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  }
  return type_error(fmt::format("'str' object has no attribute '{}'", name));
}

gg::result<value> list_method(list& l, std::string_view name, call_args& args, const limits& lim) {
  if (name == "__getitem__") {
    std::int64_t i = args.positional[0].as_int();
    if (i < 0) i += static_cast<std::int64_t>(l.size());
    if (i < 0 || i >= static_cast<std::int64_t>(l.size())) return value();
    return l[static_cast<std::size_t>(i)];
  }
  if (name == "__slice__") {
    auto idx = slice_indices(l.size(), args.positional[0], args.positional[1], args.positional[2]);
    if (!idx) return idx.error();
    list out;
    out.reserve(idx->size());
    for (std::size_t k : *idx) out.push_back(l[k]);
    return value(std::move(out));
  }
  std::size_t max_args = name == "insert" ? 2 : (name == "copy" || name == "reverse") ? 0 : 1;
  if (name == "index") max_args = 1;
  if (name == "sort") max_args = 0;
  method_args a(name, args, max_args);
  if (auto st = a.check(); !st) return st.error();
  if (name == "append") {
    const value* v = a.get(0, "object");
    if (!v) return type_error("append() takes exactly one argument (0 given)");
    if (l.size() >= lim.max_loop_iterations) {
      return type_error(fmt::format("list exceeds the limit of {} items", lim.max_loop_iterations));
    }
    l.push_back(*v);
    return value::none();
  }
  if (name == "extend") {
    const value* v = a.get(0, "iterable");
    if (!v) return type_error("extend() takes exactly one argument (0 given)");
    auto items = iterate(*v);
    if (!items) return items.error();
    if (l.size() + items->size() > lim.max_loop_iterations) {
      return type_error(fmt::format("list exceeds the limit of {} items", lim.max_loop_iterations));
    }
    l.insert(l.end(), items->begin(), items->end());
    return value::none();
  }
  if (name == "pop") {
    auto at = a.integer(0, "index", -1);
    if (!at) return at.error();
    if (l.empty()) return type_error("pop from empty list");
    std::int64_t i = *at < 0 ? *at + static_cast<std::int64_t>(l.size()) : *at;
    if (i < 0 || i >= static_cast<std::int64_t>(l.size()))
      return type_error("pop index out of range");
    value v = l[static_cast<std::size_t>(i)];
    l.erase(l.begin() + i);
    return v;
  }
  if (name == "insert") {
    auto at = a.integer(0, "index", 0);
    if (!at) return at.error();
    const value* v = a.get(1, "object");
    if (!v) return type_error("insert expected 2 arguments");
    std::int64_t n = static_cast<std::int64_t>(l.size());
    std::int64_t i = *at < 0 ? std::max<std::int64_t>(0, *at + n) : std::min(*at, n);
    l.insert(l.begin() + i, *v);
    return value::none();
  }
  if (name == "remove" || name == "index" || name == "count") {
    const value* v = a.get(0, "value");
    if (!v) return type_error(fmt::format("{}() takes exactly one argument (0 given)", name));
    long long n = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (!l[i].equals(*v)) continue;
      if (name == "remove") {
        l.erase(l.begin() + static_cast<std::ptrdiff_t>(i));
        return value::none();
      }
      if (name == "index") return value(static_cast<long long>(i));
      ++n;
    }
    if (name == "count") return value(n);
    return type_error(fmt::format("list.{}(x): x not in list", name));
  }
  if (name == "sort") {
    if (args.find_keyword("key")) return type_error("sort(key=...) is not supported here");
    bool reverse = false;
    if (const value* r = args.find_keyword("reverse")) reverse = r->truthy();
    std::optional<gg::error> failure;
    std::stable_sort(l.begin(), l.end(), [&](const value& x, const value& y) {
      auto c = compare_values(x, y);
      if (!c) {
        if (!failure) failure = c.error();
        return false;
      }
      return reverse ? *c > 0 : *c < 0;
    });
    if (failure) return *failure;
    return value::none();
  }
  if (name == "reverse") {
    std::reverse(l.begin(), l.end());
    return value::none();
  }
  if (name == "copy") return value(list(l));
  return type_error(fmt::format("'list' object has no attribute '{}'", name));
}

gg::result<value> dict_method(dict& d, std::string_view name, call_args& args) {
  std::size_t max_args = (name == "get" || name == "pop" || name == "setdefault") ? 2
                         : name == "update"                                       ? 1
                                                                                  : 0;
  method_args a(name, args, max_args);
  if (auto st = a.check(); !st) return st.error();
  if (name != "update" && !args.keyword.empty()) {
    return type_error(fmt::format("{}() takes no keyword arguments", name));
  }
  if (name == "items" || name == "keys" || name == "values") {
    list out;
    out.reserve(d.size());
    for (const auto& [k, v] : d) {
      if (name == "items") {
        out.push_back(value::make_tuple(list{value(k), v}));
      } else if (name == "keys") {
        out.emplace_back(k);
      } else {
        out.push_back(v);
      }
    }
    return value(std::move(out));
  }
  if (name == "get" || name == "pop" || name == "setdefault") {
    if (args.positional.empty()) {
      return type_error(fmt::format("{} expected at least 1 argument, got 0", name));
    }
    const value& key = args.positional[0];
    value fallback = args.positional.size() > 1 ? args.positional[1] : value::none();
    const value* found = key.is_string() ? d.find(key.as_string()) : nullptr;
    if (name == "get") return found ? *found : fallback;
    if (name == "setdefault") {
      if (found) return *found;
      if (!key.is_string()) return type_error("dict keys must be strings here");
      d.set(key.as_string(), fallback);
      return fallback;
    }
    if (!found) {
      if (args.positional.size() > 1) return fallback;
      return type_error(fmt::format("KeyError: {}", key.repr()));
    }
    value v = *found;
    d.erase(key.as_string());
    return v;
  }
  if (name == "update") {
    if (!args.positional.empty()) {
      const value& other = args.positional[0];
      if (other.is_dict()) {
        if (&other.as_dict() != &d) {
          for (const auto& [k, v] : other.as_dict()) d.set(k, v);
        }
      } else if (other.is_list()) {
        for (const value& pair : other.as_list()) {
          if (!pair.is_list() || pair.as_list().size() != 2 || !pair.as_list()[0].is_string()) {
            return type_error("dictionary update sequence element must be a (str, value) pair");
          }
          d.set(pair.as_list()[0].as_string(), pair.as_list()[1]);
        }
      } else {
        return type_error(fmt::format("'{}' object is not a mapping", other.type_name()));
      }
    }
    for (const auto& [k, v] : args.keyword) d.set(k, v);
    return value::none();
  }
  if (name == "copy") return value(dict(d));
  if (name == "clear") {
    d = dict();
    return value::none();
  }
  return type_error(fmt::format("'dict' object has no attribute '{}'", name));
}

}  // namespace

bool has_method(const value& self, std::string_view name) {
  if (self.is_string()) return in(string_methods, name);
  if (self.is_list()) return in(list_methods, name);
  if (self.is_dict()) return in(dict_methods, name);
  return false;
}

gg::result<value> call_method(const value& self, std::string_view name, call_args& args,
                              const limits& lim) {
  if (self.is_string()) return string_method(self.as_string(), name, args, lim);
  if (self.is_list()) {
    // Keep the list alive even if the call drops the last other reference to it.
    std::shared_ptr<list> keep = self.list_ptr();
    return list_method(*keep, name, args, lim);
  }
  if (self.is_dict()) {
    std::shared_ptr<dict> keep = self.dict_ptr();
    return dict_method(*keep, name, args);
  }
  return type_error(fmt::format("'{}' object has no attribute '{}'", self.type_name(), name));
}

}  // namespace gg::transform::jinja::detail

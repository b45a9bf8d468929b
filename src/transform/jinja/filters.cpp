// Jinja2's built-in filters (the subset dbt projects use) and dbt's as_* filters.

#include "builtins.hpp"
#include "unicode_case.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace gg::transform::jinja::detail {
namespace {

gg::error type_error(std::string message) {
  return gg::error{errc::invalid_input, std::move(message)};
}

constexpr std::array<std::string_view, 48> filter_names = {
    "abs",        "as_bool",   "as_native", "as_number", "as_text",   "capitalize", "center",
    "count",      "d",         "default",   "dictsort",  "e",         "escape",     "first",
    "float",      "format",    "indent",    "int",       "items",     "join",       "last",
    "length",     "list",      "lower",     "map",       "max",       "min",        "reject",
    "rejectattr", "replace",   "reverse",   "round",     "safe",      "select",     "selectattr",
    "sort",       "string",    "sum",       "title",     "tojson",    "trim",       "unique",
    "upper",      "wordcount", "batch",     "slice",     "striptags", "truncate"};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string lower(const std::string& s) { return utf8_lower(s); }

// Filter arguments after the subject, by position (counting from 0 after the subject) or name.
class filter_args {
 public:
  filter_args(std::string_view filter, call_args& args, std::vector<std::string_view> names)
      : filter_(filter), args_(args), names_(std::move(names)) {}

  gg::status check() const {
    if (args_.positional.size() > names_.size()) {
      return type_error(fmt::format("{}() takes at most {} argument(s) after the value ({} given)",
                                    filter_, names_.size(), args_.positional.size()));
    }
    for (const auto& [k, v] : args_.keyword) {
      if (std::find(names_.begin(), names_.end(), k) == names_.end()) {
        return type_error(fmt::format("{}() got an unexpected keyword argument '{}'", filter_, k));
      }
    }
    return {};
  }
  const value* get(std::size_t pos) const { return args_.get(pos, names_[pos]); }
  bool flag(std::size_t pos, bool fallback) const {
    const value* v = get(pos);
    return v ? v->truthy() : fallback;
  }

 private:
  std::string_view filter_;
  call_args& args_;
  std::vector<std::string_view> names_;
};

// Jinja's attribute getter for `attribute=` arguments: dotted paths, integer parts as indexes.
value get_path(const value& v, const std::string& path) {
  value cur = v;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(),
                                                [](char c) { return c >= '0' && c <= '9'; });
    if (cur.is_dict()) {
      const value* next = cur.as_dict().find(part);
      cur = next ? *next : value();
    } else if (cur.is_list() && numeric && part.size() < 10) {
      std::size_t i = std::stoul(part);
      cur = i < cur.as_list().size() ? cur.as_list()[i] : value();
    } else if (cur.is_object()) {
      std::optional<value> next = cur.as_object()->attr(part);
      cur = next ? *next : value();
    } else {
      return value();
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

// The sort key of Jinja's case-insensitive comparisons.
value fold(const value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return value(lower(v.as_string()));
  return v;
}

gg::result<list> sorted(list items, bool reverse, bool case_sensitive, const value* attribute) {
  std::vector<std::pair<value, value>> keyed;
  keyed.reserve(items.size());
  for (value& item : items) {
    value key = attribute && attribute->is_string() ? get_path(item, attribute->as_string()) : item;
    keyed.emplace_back(fold(key, case_sensitive), std::move(item));
  }
  std::optional<gg::error> failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    auto c = compare_values(x.first, y.first);
    if (!c) {
      if (!failure) failure = c.error();
      return false;
    }
    return reverse ? *c > 0 : *c < 0;
  });
  if (failure) return *failure;
  list out;
  out.reserve(keyed.size());
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return out;
}

// Python's int(str, base): surrounding whitespace, a sign, underscores between digits, and a
// 0x/0o/0b prefix matching the base.
std::optional<std::int64_t> parse_int(std::string s, int base) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  s = s.substr(b);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s = s.substr(1);
  }
  if (s.size() > 2 && s[0] == '0') {
    char p = to_lower(s[1]);
    if ((p == 'x' && base == 16) || (p == 'o' && base == 8) || (p == 'b' && base == 2)) {
      s = s.substr(2);
    }
  }
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_') continue;
    digits += s[i];
  }
  if (digits.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  return negative ? -v : v;
}

// Python's float(str).
std::optional<double> parse_float(const std::string& text) {
  std::string s = text;
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  s = s.substr(b);
  std::string cleaned;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      continue;
    }
    cleaned += s[i];
  }
  std::string l = lower(cleaned);
  std::string_view body = l;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  if (body == "inf" || body == "infinity" || body == "nan") {
    double d = body == "nan" ? NAN : INFINITY;
    return l[0] == '-' ? -d : d;
  }
  if (cleaned.empty()) return std::nullopt;
  for (char c : cleaned) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  double d = std::strtod(cleaned.c_str(), &end);
  if (end != cleaned.c_str() + cleaned.size()) return std::nullopt;
  return d;
}

// Python's round(x, n) for floats: correctly rounded, ties to even on the exact binary value.
double python_round(double x, std::int64_t n) {
  if (!std::isfinite(x)) return x;
  if (n > 300) return x;
  if (n < -300) return 0.0 * x;
  if (n >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(n), x);
    return std::strtod(buf, nullptr);
  }
  double p = std::pow(10.0, static_cast<double>(-n));
  return std::nearbyint(x / p) * p;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

gg::result<value> select_like(std::string_view name, const value& subject, call_args& args) {
  bool attr_form = name == "selectattr" || name == "rejectattr";
  bool keep_if = name == "select" || name == "selectattr";
  auto items = iterate(subject);
  if (!items) return items.error();
  std::size_t at = 0;
  std::string attribute;
  if (attr_form) {
    if (args.positional.empty() || !args.positional[0].is_string()) {
      return type_error(fmt::format("{}() needs an attribute name", name));
    }
    attribute = args.positional[0].as_string();
    at = 1;
  }
  std::string test;
  if (at < args.positional.size()) {
    if (!args.positional[at].is_string()) {
      return type_error(fmt::format("{}() needs a test name", name));
    }
    test = args.positional[at].as_string();
    if (!is_test(test)) return type_error(fmt::format("no test named '{}'", test));
    ++at;
  }
  call_args test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(at),
                              args.positional.end());
  test_args.keyword = args.keyword;
  list out;
  for (value& item : *items) {
    value probe = attr_form ? get_path(item, attribute) : item;
    bool pass = false;
    if (test.empty()) {
      pass = probe.truthy();
    } else {
      call_args a = test_args;
      auto r = apply_test(test, probe, a);
      if (!r) return r.error();
      pass = *r;
    }
    if (pass == keep_if) out.push_back(std::move(item));
  }
  return value(std::move(out));
}

gg::result<value> map_filter(const value& subject, call_args& args, const limits& lim) {
  auto items = iterate(subject);
  if (!items) return items.error();
  list out;
  out.reserve(items->size());
  if (args.positional.empty()) {
    const value* attribute = args.find_keyword("attribute");
    if (!attribute || !attribute->is_string()) {
      return type_error("map() needs a filter name or attribute=");
    }
    const value* fallback = args.find_keyword("default");
    for (const value& item : *items) {
      value v = get_path(item, attribute->as_string());
      if (v.is_undefined() && fallback) v = *fallback;
      out.push_back(std::move(v));
    }
    return value(std::move(out));
  }
  if (!args.positional[0].is_string()) return type_error("map() needs a filter name");
  std::string filter = args.positional[0].as_string();
  if (!is_filter(filter)) return type_error(fmt::format("no filter named '{}'", filter));
  call_args rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const value& item : *items) {
    call_args a = rest;
    auto r = apply_filter(filter, item, a, lim);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return value(std::move(out));
}

gg::result<value> indent(const std::string& text, const value* width_v, bool first, bool blank,
                         const limits& lim) {
  std::string indention;
  if (width_v && width_v->is_string()) {
    indention = width_v->as_string();
  } else {
    std::int64_t w = width_v ? (width_v->is_int() ? width_v->as_int() : 4) : 4;
    if (w < 0) w = 0;
    if (static_cast<std::uint64_t>(w) > 1024) return type_error("indent width too large");
    indention.assign(static_cast<std::size_t>(w), ' ');
  }
  std::string s = text + "\n";
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  std::string rv;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      rv += '\n';
      if (blank || !lines[i].empty()) rv += indention;
    }
    rv += lines[i];
    if (rv.size() > lim.max_output_bytes)
      return type_error("indent result exceeds the output limit");
  }
  if (first) rv = indention + rv;
  return value(std::move(rv));
}

// dbt's literal conversion for as_native/as_bool/as_number: Python literals in text.
value native_literal(const value& v) {
  if (!v.is_string()) return v;
  std::string s = v.as_string();
  std::string t = s;
  while (!t.empty() && is_space(t.back())) t.pop_back();
  std::size_t b = 0;
  while (b < t.size() && is_space(t[b])) ++b;
  t = t.substr(b);
  if (t == "True") return value(true);
  if (t == "False") return value(false);
  if (t == "None") return value::none();
  if (auto i = parse_int(t, 10); i && t.find('_') == std::string::npos)
    return value(static_cast<long long>(*i));
  if (auto d = parse_float(t); d && t.find_first_of("0123456789") != std::string::npos)
    return value(*d);
  if (t.size() >= 2 && (t[0] == '\'' || t[0] == '"') && t.back() == t[0]) {
    return value(t.substr(1, t.size() - 2));
  }
  return v;
}

}  // namespace

bool is_filter(std::string_view name) {
  return std::find(filter_names.begin(), filter_names.end(), name) != filter_names.end();
}

gg::result<value> apply_filter(std::string_view name, const value& subject, call_args& args,
                               const limits& lim) {
  auto with = [&](std::vector<std::string_view> names) -> gg::result<filter_args> {
    filter_args a(name, args, std::move(names));
    if (auto st = a.check(); !st) return st.error();
    return a;
  };
  if (name == "safe" || name == "as_text") {
    auto a = with({});
    if (!a) return a.error();
    if (name == "as_text") return value(subject.str());
    return subject;
  }
  if (name == "default" || name == "d") {
    auto a = with({"default_value", "boolean"});
    if (!a) return a.error();
    bool boolean = a->flag(1, false);
    if (subject.is_undefined() || (boolean && !subject.truthy())) {
      const value* d = a->get(0);
      return d ? *d : value("");
    }
    return subject;
  }
  if (name == "upper" || name == "lower" || name == "capitalize" || name == "title" ||
      name == "string" || name == "wordcount" || name == "e" || name == "escape" ||
      name == "striptags") {
    auto a = with({});
    if (!a) return a.error();
    std::string s = subject.str();
    if (name == "string") return value(std::move(s));
    if (name == "e" || name == "escape") return value(html_escape(s));
    if (name == "upper") {
      s = utf8_upper(s);
    } else if (name == "lower") {
      s = utf8_lower(s);
    } else if (name == "capitalize") {
      s = utf8_capitalize(s);
    } else if (name == "title") {
      // Jinja's title: a word starts after whitespace or one of - ( { [ <.
      s = utf8_title(s, [](std::uint32_t c) {
        return c < 0x80 && (is_space(static_cast<char>(c)) || c == '-' || c == '(' || c == '{' ||
                            c == '[' || c == '<');
      });
    } else if (name == "wordcount") {
      long long n = 0;
      bool in_word = false;
      for (char c : s) {
        bool w = std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                 static_cast<unsigned char>(c) >= 0x80;
        if (w && !in_word) ++n;
        in_word = w;
      }
      return value(n);
    } else {
      std::string out;
      bool in_tag = false;
      for (char c : s) {
        if (c == '<') in_tag = true;
        if (!in_tag) out += c;
        if (c == '>') in_tag = false;
      }
      std::string collapsed;
      bool space = false;
      for (char c : out) {
        if (is_space(c)) {
          space = !collapsed.empty();
          continue;
        }
        if (space) collapsed += ' ';
        space = false;
        collapsed += c;
      }
      return value(std::move(collapsed));
    }
    return value(std::move(s));
  }
  if (name == "trim") {
    auto a = with({"chars"});
    if (!a) return a.error();
    call_args m;
    if (const value* chars = a->get(0)) m.positional.push_back(*chars);
    return call_method(value(subject.str()), "strip", m, lim);
  }
  if (name == "replace") {
    auto a = with({"old", "new", "count"});
    if (!a) return a.error();
    if (!a->get(0) || !a->get(1)) return type_error("replace() needs old and new");
    call_args m;
    m.positional.push_back(value(a->get(0)->str()));
    m.positional.push_back(value(a->get(1)->str()));
    if (const value* c = a->get(2); c && !c->is_none()) m.positional.push_back(*c);
    return call_method(value(subject.str()), "replace", m, lim);
  }
  if (name == "center") {
    auto a = with({"width"});
    if (!a) return a.error();
    call_args m;
    m.positional.push_back(a->get(0) ? *a->get(0) : value(80));
    return call_method(value(subject.str()), "center", m, lim);
  }
  if (name == "indent") {
    auto a = with({"width", "first", "blank"});
    if (!a) return a.error();
    return indent(subject.str(), a->get(0), a->flag(1, false), a->flag(2, false), lim);
  }
  if (name == "truncate") {
    auto a = with({"length", "killwords", "end", "leeway"});
    if (!a) return a.error();
    std::string s = subject.str();
    std::int64_t length = a->get(0) && a->get(0)->is_int() ? a->get(0)->as_int() : 255;
    bool killwords = a->flag(1, false);
    std::string end = a->get(2) ? a->get(2)->str() : "...";
    std::int64_t leeway = a->get(3) && a->get(3)->is_int() ? a->get(3)->as_int() : 5;
    if (length < static_cast<std::int64_t>(end.size())) {
      return type_error(fmt::format("expected length >= {}, got {}", end.size(), length));
    }
    if (leeway < 0) return type_error(fmt::format("expected leeway >= 0, got {}", leeway));
    if (static_cast<std::int64_t>(s.size()) <= length + leeway) return value(std::move(s));
    std::string cut = s.substr(0, static_cast<std::size_t>(length) - end.size());
    if (killwords) return value(cut + end);
    auto sp = cut.rfind(' ');
    if (sp != std::string::npos) cut.resize(sp);
    return value(cut + end);
  }
  if (name == "length" || name == "count") {
    auto a = with({});
    if (!a) return a.error();
    auto n = length_of(subject);
    if (!n) return n.error();
    return value(static_cast<long long>(*n));
  }
  if (name == "list") {
    auto a = with({});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    return value(std::move(*items));
  }
  if (name == "first" || name == "last") {
    auto a = with({});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    if (items->empty()) return value();
    return name == "first" ? items->front() : items->back();
  }
  if (name == "int") {
    auto a = with({"default", "base"});
    if (!a) return a.error();
    value fallback = a->get(0) ? *a->get(0) : value(0);
    const value* base_v = a->get(1);
    int base = base_v && base_v->is_int() ? static_cast<int>(base_v->as_int()) : 10;
    if (base < 2 || base > 36) return type_error("int() base must be >= 2 and <= 36");
    if (subject.is_undefined()) return type_error("int() of an undefined value");
    if (subject.is_int()) return subject;
    if (subject.is_bool()) return value(subject.as_bool() ? 1 : 0);
    if (subject.is_double()) {
      double d = subject.as_double();
      if (!std::isfinite(d) || std::abs(d) >= 9.2e18) return fallback;
      return value(static_cast<long long>(std::trunc(d)));
    }
    if (subject.is_string()) {
      if (auto i = parse_int(subject.as_string(), base)) return value(static_cast<long long>(*i));
      if (auto d = parse_float(subject.as_string());
          d && std::isfinite(*d) && std::abs(*d) < 9.2e18) {
        return value(static_cast<long long>(std::trunc(*d)));
      }
    }
    return fallback;
  }
  if (name == "float") {
    auto a = with({"default"});
    if (!a) return a.error();
    value fallback = a->get(0) ? *a->get(0) : value(0.0);
    if (subject.is_undefined()) return type_error("float() of an undefined value");
    if (subject.is_number()) return value(subject.as_number());
    if (subject.is_bool()) return value(subject.as_bool() ? 1.0 : 0.0);
    if (subject.is_string()) {
      if (auto d = parse_float(subject.as_string())) return value(*d);
    }
    return fallback;
  }
  if (name == "abs") {
    auto a = with({});
    if (!a) return a.error();
    if (subject.is_bool()) return value(subject.as_bool() ? 1 : 0);
    if (subject.is_int()) {
      if (subject.as_int() == INT64_MIN) return type_error("integer overflow");
      return value(static_cast<long long>(std::llabs(subject.as_int())));
    }
    if (subject.is_double()) return value(std::fabs(subject.as_double()));
    return type_error(fmt::format("bad operand type for abs(): '{}'", subject.type_name()));
  }
  if (name == "round") {
    auto a = with({"precision", "method"});
    if (!a) return a.error();
    std::int64_t precision = a->get(0) && a->get(0)->is_int() ? a->get(0)->as_int() : 0;
    std::string method = a->get(1) ? a->get(1)->str() : "common";
    if (method != "common" && method != "ceil" && method != "floor") {
      return type_error("method must be common, ceil or floor");
    }
    if (!subject.is_number() && !subject.is_bool()) {
      return type_error(
          fmt::format("type {} doesn't define __round__ method", subject.type_name()));
    }
    double x = subject.is_bool() ? (subject.as_bool() ? 1.0 : 0.0) : subject.as_number();
    if (method == "common") {
      if (subject.is_int() || subject.is_bool()) {
        if (precision >= 0) return subject.is_bool() ? value(subject.as_bool() ? 1 : 0) : subject;
        return value(static_cast<long long>(python_round(x, precision)));
      }
      return value(python_round(x, precision));
    }
    double p = std::pow(10.0, static_cast<double>(precision));
    double r = method == "ceil" ? std::ceil(x * p) : std::floor(x * p);
    return value(r / p);
  }
  if (name == "join") {
    auto a = with({"d", "attribute"});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    std::string sep = a->get(0) ? a->get(0)->str() : "";
    const value* attribute = a->get(1);
    std::string out;
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (i > 0) out += sep;
      const value& item = (*items)[i];
      if (attribute && attribute->is_string()) {
        get_path(item, attribute->as_string()).append_str(out);
      } else {
        item.append_str(out);
      }
      if (out.size() > lim.max_output_bytes) {
        return type_error(
            fmt::format("join result exceeds the limit of {} bytes", lim.max_output_bytes));
      }
    }
    return value(std::move(out));
  }
  if (name == "unique") {
    auto a = with({"case_sensitive", "attribute"});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    bool case_sensitive = a->flag(0, false);
    const value* attribute = a->get(1);
    list out;
    list seen;
    for (value& item : *items) {
      value key =
          attribute && attribute->is_string() ? get_path(item, attribute->as_string()) : item;
      key = fold(key, case_sensitive);
      bool dup = false;
      for (const value& s : seen) {
        if (s.equals(key)) {
          dup = true;
          break;
        }
      }
      if (dup) continue;
      seen.push_back(std::move(key));
      out.push_back(std::move(item));
    }
    return value(std::move(out));
  }
  if (name == "sort") {
    auto a = with({"reverse", "case_sensitive", "attribute"});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    auto r = sorted(std::move(*items), a->flag(0, false), a->flag(1, false), a->get(2));
    if (!r) return r.error();
    return value(std::move(*r));
  }
  if (name == "dictsort") {
    auto a = with({"case_sensitive", "by", "reverse"});
    if (!a) return a.error();
    if (!subject.is_dict()) return type_error("dictsort needs a mapping");
    std::string by = a->get(1) ? a->get(1)->str() : "key";
    if (by != "key" && by != "value")
      return type_error("You can only sort by either 'key' or 'value'");
    bool case_sensitive = a->flag(0, false);
    std::vector<std::pair<value, value>> keyed;
    for (const auto& [k, v] : subject.as_dict()) {
      keyed.emplace_back(fold(by == "key" ? value(k) : v, case_sensitive),
                         value::make_tuple(list{value(k), v}));
    }
    std::optional<gg::error> failure;
    bool reverse = a->flag(2, false);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
      auto c = compare_values(x.first, y.first);
      if (!c) {
        if (!failure) failure = c.error();
        return false;
      }
      return reverse ? *c > 0 : *c < 0;
    });
    if (failure) return *failure;
    list out;
    for (auto& kv : keyed) out.push_back(std::move(kv.second));
    return value(std::move(out));
  }
  if (name == "items") {
    auto a = with({});
    if (!a) return a.error();
    if (subject.is_undefined()) return value(list{});
    if (!subject.is_dict()) return type_error("Can only get item pairs from a mapping.");
    call_args none;
    return call_method(subject, "items", none, lim);
  }
  if (name == "reverse") {
    auto a = with({});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    std::reverse(items->begin(), items->end());
    if (subject.is_string()) {
      std::string out;
      for (const value& c : *items) out += c.as_string();
      return value(std::move(out));
    }
    return value(std::move(*items));
  }
  if (name == "max" || name == "min") {
    auto a = with({"case_sensitive", "attribute"});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    if (items->empty()) return value();
    bool case_sensitive = a->flag(0, false);
    const value* attribute = a->get(1);
    auto key = [&](const value& v) {
      return fold(attribute && attribute->is_string() ? get_path(v, attribute->as_string()) : v,
                  case_sensitive);
    };
    std::size_t best = 0;
    for (std::size_t i = 1; i < items->size(); ++i) {
      auto c = compare_values(key((*items)[i]), key((*items)[best]));
      if (!c) return c.error();
      if (name == "max" ? *c > 0 : *c < 0) best = i;
    }
    return (*items)[best];
  }
  if (name == "sum") {
    auto a = with({"attribute", "start"});
    if (!a) return a.error();
    auto items = iterate(subject);
    if (!items) return items.error();
    const value* attribute = a->get(0);
    value total = a->get(1) ? *a->get(1) : value(0);
    for (const value& item : *items) {
      value v = attribute && attribute->is_string() ? get_path(item, attribute->as_string()) : item;
      auto r = binary_operation(binary_op::add, total, v, lim);
      if (!r) return r.error();
      total = std::move(*r);
    }
    return total;
  }
  if (name == "tojson") {
    auto a = with({"indent"});
    if (!a) return a.error();
    if (subject.is_undefined())
      return type_error("Object of type Undefined is not JSON serializable");
    int ind = -1;
    if (const value* i = a->get(0); i && i->is_int())
      ind = static_cast<int>(std::clamp<std::int64_t>(i->as_int(), 0, 64));
    std::string out;
    if (auto st = append_json(out, subject, ind, 0, true); !st) return st.error();
    return value(std::move(out));
  }
  if (name == "format") {
    if (!args.positional.empty() && !args.keyword.empty()) {
      return type_error("can't handle positional and keyword arguments at the same time");
    }
    value fmt_args;
    if (!args.keyword.empty()) {
      dict d;
      for (const auto& [k, v] : args.keyword) d.set(k, v);
      fmt_args = value(std::move(d));
    } else {
      fmt_args = value(list(args.positional));
    }
    auto r = percent_format(subject.str(), fmt_args);
    if (!r) return r.error();
    return value(std::move(*r));
  }
  if (name == "map") return map_filter(subject, args, lim);
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
    return select_like(name, subject, args);
  }
  if (name == "batch" || name == "slice") {
    auto a = with({name == "batch" ? "linecount" : "slices", "fill_with"});
    if (!a) return a.error();
    if (!a->get(0) || !a->get(0)->is_int() || a->get(0)->as_int() <= 0) {
      return type_error(fmt::format("{}() needs a positive count", name));
    }
    auto items = iterate(subject);
    if (!items) return items.error();
    auto n = static_cast<std::size_t>(a->get(0)->as_int());
    const value* fill = a->get(1);
    list out;
    if (name == "batch") {
      for (std::size_t i = 0; i < items->size(); i += n) {
        list chunk(items->begin() + static_cast<std::ptrdiff_t>(i),
                   items->begin() + static_cast<std::ptrdiff_t>(std::min(items->size(), i + n)));
        if (fill && chunk.size() < n) chunk.resize(n, *fill);
        out.emplace_back(std::move(chunk));
      }
    } else {
      std::size_t per = items->size() / n;
      std::size_t extra = items->size() % n;
      std::size_t offset = 0;
      for (std::size_t s = 0; s < n && s < lim.max_loop_iterations; ++s) {
        std::size_t start = offset + s * per;
        if (s < extra) ++offset;
        std::size_t end = offset + (s + 1) * per;
        list chunk(items->begin() + static_cast<std::ptrdiff_t>(start),
                   items->begin() + static_cast<std::ptrdiff_t>(end));
        if (fill && s >= extra) chunk.push_back(*fill);
        out.emplace_back(std::move(chunk));
      }
    }
    return value(std::move(out));
  }
  if (name == "as_bool" || name == "as_number" || name == "as_native") {
    auto a = with({});
    if (!a) return a.error();
    value v = native_literal(subject);
    if (name == "as_bool" && !v.is_bool()) {
      return type_error(fmt::format("as_bool: {} is not a boolean", subject.repr()));
    }
    if (name == "as_number" && !v.is_number()) {
      return type_error(fmt::format("as_number: {} is not a number", subject.repr()));
    }
    return v;
  }
  return type_error(fmt::format("unknown filter '{}'", name));
}

}  // namespace gg::transform::jinja::detail

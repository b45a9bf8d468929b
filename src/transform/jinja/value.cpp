#include "jinja/value.hpp"

#include "cycle_collector.hpp"
#include "print_limit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace gg::transform::jinja {
namespace {

using detail::max_print_depth;
using detail::print_state;
using detail::thread_print_state;

// Python's repr() of a float: the shortest digits that round-trip, in fixed notation when the
// decimal exponent is in [-4, 16), else scientific with a two-digit minimum exponent.
void append_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "nan";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  bool negative = false;
  if (!sci.empty() && sci[0] == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (negative) out += '-';
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    } else if (digits.size() <= static_cast<std::size_t>(exp) + 1) {
      out += digits;
      out.append(static_cast<std::size_t>(exp) + 1 - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(exp) + 1);
      out += '.';
      out.append(digits, static_cast<std::size_t>(exp) + 1);
    }
    return;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += 'e';
  out += exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
}

// Python's repr() of a str: single quotes unless the text holds ' and no ".
void append_string_repr(std::string& out, const std::string& s) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  out += quote;
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += quote;
}

void append_repr(std::string& out, const value& v);

// Counts what a print appended to `out` since `mark` against the budget; false (the print
// stopped) once the budget is exceeded. Text shared by sub-containers can be exponentially
// long, so the budget is what keeps a print's time and memory bounded.
bool account(print_state& st, const std::string& out, std::size_t& mark) {
  st.written += out.size() - mark;
  mark = out.size();
  if (st.stopped) return false;
  if (st.written > st.limit) {
    st.stopped = true;
    if (st.failure.empty()) {
      st.failure = fmt::format("printed value exceeds the limit of {} bytes", st.limit);
    }
    return false;
  }
  return true;
}

// Prints a list, tuple or dict. As Python's repr, a container that is being printed already
// (it holds itself, directly or through others) prints as [...], (...) or {...}.
void append_container(std::string& out, const value& v) {
  print_state& st = thread_print_state();
  if (st.open.empty()) {
    // The outermost print: nested prints (an object's str() inside it) share its budget.
    st.written = 0;
    st.stopped = false;
  }
  if (st.stopped) return;
  std::size_t mark = out.size();
  const void* id = v.is_list() ? static_cast<const void*>(v.list_ptr().get())
                               : static_cast<const void*>(v.dict_ptr().get());
  if (std::find(st.open.begin(), st.open.end(), id) != st.open.end()) {
    out += v.is_tuple() ? "(...)" : v.is_list() ? "[...]" : "{...}";
    account(st, out, mark);
    return;
  }
  if (st.open.size() >= max_print_depth) {
    st.stopped = true;
    if (st.failure.empty()) {
      st.failure =
          fmt::format("value nested too deeply to print (more than {} levels)", max_print_depth);
    }
    return;
  }
  st.open.push_back(id);
  if (v.is_list()) {
    bool tuple = v.is_tuple();
    out += tuple ? '(' : '[';
    bool first = true;
    for (const value& e : v.as_list()) {
      if (!first) out += ", ";
      first = false;
      append_repr(out, e);
      if (!account(st, out, mark)) break;
    }
    if (tuple && v.as_list().size() == 1) out += ',';
    out += tuple ? ')' : ']';
  } else {
    out += '{';
    bool first = true;
    for (const auto& [k, e] : v.as_dict()) {
      if (!first) out += ", ";
      first = false;
      append_string_repr(out, k);
      out += ": ";
      append_repr(out, e);
      if (!account(st, out, mark)) break;
    }
    out += '}';
  }
  account(st, out, mark);
  st.open.pop_back();
}

// An object's text. Its str() may print values itself (a namespace prints its attributes):
// that print continues this one, and its own buffer's bytes stop counting once it returns,
// as the text is then counted where it is appended.
void append_object(std::string& out, const object& o) {
  print_state& st = thread_print_state();
  std::size_t written = st.written;
  std::string text = o.str();
  if (!st.open.empty()) st.written = written;
  out += text;
}

void append_repr(std::string& out, const value& v) {
  switch (v.kind()) {
    case value_kind::string:
      append_string_repr(out, v.as_string());
      return;
    case value_kind::list:
    case value_kind::dict:
      append_container(out, v);
      return;
    case value_kind::undefined:
      out += "Undefined";
      return;
    case value_kind::object:
      append_object(out, *v.as_object());
      return;
    default:
      v.append_str(out);
  }
}

// `budget` bounds the work on containers that share sub-containers (exponential otherwise).
bool equals_at(const value& a, const value& b, int depth, std::size_t& budget) {
  if (depth > 64 || budget == 0) return false;
  --budget;
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    auto num = [](const value& v) -> double {
      return v.is_bool() ? (v.as_bool() ? 1.0 : 0.0) : v.as_number();
    };
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    if (a.is_bool() && b.is_bool()) return a.as_bool() == b.as_bool();
    return num(a) == num(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case value_kind::undefined:
    case value_kind::none:
      return true;
    case value_kind::string:
      return a.as_string() == b.as_string();
    case value_kind::list: {
      const list& x = a.as_list();
      const list& y = b.as_list();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equals_at(x[i], y[i], depth + 1, budget)) return false;
      }
      return true;
    }
    case value_kind::dict: {
      const dict& x = a.as_dict();
      const dict& y = b.as_dict();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const value* o = y.find(k);
        if (o == nullptr || !equals_at(v, *o, depth + 1, budget)) return false;
      }
      return true;
    }
    case value_kind::object:
      return a.as_object() == b.as_object();
    case value_kind::function:
      return a.as_function() == b.as_function();
    default:
      return false;
  }
}

}  // namespace

value::value(list l) : v_(std::make_shared<list>(std::move(l))) {
  detail::cycle_collector::track(std::get<std::shared_ptr<list>>(v_));
}
value::value(dict d) : v_(std::make_shared<dict>(std::move(d))) {
  detail::cycle_collector::track(std::get<std::shared_ptr<dict>>(v_));
}
value::value(const value& other) = default;
value::value(value&& other) noexcept = default;
value& value::operator=(const value& other) = default;
value& value::operator=(value&& other) noexcept = default;
value::~value() = default;

value value::make_function(std::string name, native_function fn) {
  auto f = std::make_shared<function>();
  f->name = std::move(name);
  f->native = std::move(fn);
  return value(std::shared_ptr<const function>(std::move(f)));
}

bool value::is_callable() const noexcept {
  if (is_function()) return true;
  return is_object() && as_object()->callable();
}

bool value::truthy() const noexcept {
  switch (kind()) {
    case value_kind::undefined:
    case value_kind::none:
      return false;
    case value_kind::boolean:
      return as_bool();
    case value_kind::integer:
      return as_int() != 0;
    case value_kind::floating:
      return as_double() != 0.0;
    case value_kind::string:
      return !as_string().empty();
    case value_kind::list:
      return !as_list().empty();
    case value_kind::dict:
      return !as_dict().empty();
    case value_kind::object:
    case value_kind::function:
      return true;
  }
  return false;
}

void value::append_str(std::string& out) const {
  switch (kind()) {
    case value_kind::undefined:
      return;
    case value_kind::none:
      out += "None";
      return;
    case value_kind::boolean:
      out += as_bool() ? "True" : "False";
      return;
    case value_kind::integer: {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, as_int());
      out.append(buf, res.ptr);
      return;
    }
    case value_kind::floating:
      append_float(out, as_double());
      return;
    case value_kind::string:
      out += as_string();
      return;
    case value_kind::list:
    case value_kind::dict:
      append_container(out, *this);
      return;
    case value_kind::object:
      append_object(out, *as_object());
      return;
    case value_kind::function:
      out += "<function ";
      out += as_function()->name;
      out += '>';
      return;
  }
}

std::string value::str() const {
  std::string out;
  append_str(out);
  return out;
}

std::string value::repr() const {
  std::string out;
  append_repr(out, *this);
  return out;
}

bool value::equals(const value& other) const {
  std::size_t budget = 10'000'000;
  return equals_at(*this, other, 0, budget);
}

std::string value::type_name() const {
  switch (kind()) {
    case value_kind::undefined:
      return "Undefined";
    case value_kind::none:
      return "NoneType";
    case value_kind::boolean:
      return "bool";
    case value_kind::integer:
      return "int";
    case value_kind::floating:
      return "float";
    case value_kind::string:
      return "str";
    case value_kind::list:
      return "list";
    case value_kind::dict:
      return "dict";
    case value_kind::object:
      return as_object()->type_name();
    case value_kind::function:
      return "function";
  }
  return "object";
}

std::ostream& operator<<(std::ostream& os, const value& v) { return os << v.repr(); }

dict::dict(std::initializer_list<entry> entries) {
  for (const auto& e : entries) set(e.first, e.second);
}

std::ptrdiff_t dict::index_of(std::string_view key) const {
  if (!index_.empty()) {
    auto it = index_.find(key);
    return it == index_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

const value* dict::find(std::string_view key) const {
  std::ptrdiff_t i = index_of(key);
  return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)].second;
}

value* dict::find(std::string_view key) {
  std::ptrdiff_t i = index_of(key);
  return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)].second;
}

void dict::set(std::string key, value v) {
  std::ptrdiff_t i = index_of(key);
  if (i >= 0) {
    entries_[static_cast<std::size_t>(i)].second = std::move(v);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(v));
  constexpr std::size_t linear_limit = 12;
  if (!index_.empty()) {
    index_.emplace(entries_.back().first, entries_.size() - 1);
  } else if (entries_.size() > linear_limit) {
    reindex();
  }
}

bool dict::erase(std::string_view key) {
  std::ptrdiff_t i = index_of(key);
  if (i < 0) return false;
  entries_.erase(entries_.begin() + i);
  index_.clear();
  if (entries_.size() > 12) reindex();
  return true;
}

void dict::reindex() {
  index_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
}

const value* call_args::find_keyword(std::string_view name) const {
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

const value* call_args::get(std::size_t position, std::string_view name) const {
  if (const value* v = find_keyword(name)) return v;
  return position < positional.size() ? &positional[position] : nullptr;
}

gg::status object::set_attr(std::string_view name, value) {
  return gg::fail(errc::invalid_input,
                  "cannot set attribute '" + std::string(name) + "' of " + type_name());
}

std::optional<value> object::item(const value& key) const {
  if (!key.is_string()) return std::nullopt;
  return attr(key.as_string());
}

void object::for_each_value(const std::function<void(const value&)>&) const {}

void object::release_values() {}

gg::result<value> object::call(call_args&) {
  return gg::fail(errc::invalid_input, "'" + type_name() + "' object is not callable");
}

}  // namespace gg::transform::jinja

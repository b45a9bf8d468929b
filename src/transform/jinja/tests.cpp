// Jinja2's built-in tests (`x is defined`, `x is not none`, `x is divisibleby 3`...).

#include "builtins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace gg::transform::jinja::detail {
namespace {

gg::error type_error(std::string message) {
  return gg::error{errc::invalid_input, std::move(message)};
}

constexpr std::array<std::string_view, 35> test_names = {
    "defined",  "undefined", "none",    "boolean", "false",    "true",        "integer",
    "float",    "number",    "string",  "mapping", "iterable", "sequence",    "callable",
    "sameas",   "eq",        "equalto", "==",      "ne",       "!=",          "lt",
    "lessthan", "<",         "le",      "<=",      "gt",       "greaterthan", ">",
    "ge",       ">=",        "in",      "lower",   "upper",    "even",        "odd"};

bool any_lower(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}
bool any_upper(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

bool is_test(std::string_view name) {
  return name == "divisibleby" ||
         std::find(test_names.begin(), test_names.end(), name) != test_names.end();
}

gg::result<bool> apply_test(std::string_view name, const value& v, call_args& args) {
  std::size_t want = 0;
  if (name == "sameas" || name == "eq" || name == "equalto" || name == "==" || name == "ne" ||
      name == "!=" || name == "lt" || name == "lessthan" || name == "<" || name == "le" ||
      name == "<=" || name == "gt" || name == "greaterthan" || name == ">" || name == "ge" ||
      name == ">=" || name == "in" || name == "divisibleby") {
    want = 1;
  }
  if (args.positional.size() + args.keyword.size() != want) {
    return type_error(fmt::format("test '{}' takes {} argument(s), {} given", name, want,
                                  args.positional.size() + args.keyword.size()));
  }
  const value& other =
      want ? (args.positional.empty() ? args.keyword[0].second : args.positional[0]) : v;
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_double();
  if (name == "number") return v.is_number() || v.is_bool();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "sequence") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "callable") return v.is_callable();
  if (name == "lower")
    return v.is_string() && any_lower(v.as_string()) && !any_upper(v.as_string());
  if (name == "upper")
    return v.is_string() && any_upper(v.as_string()) && !any_lower(v.as_string());
  if (name == "even" || name == "odd" || name == "divisibleby") {
    if (!v.is_int() && !v.is_bool()) {
      return type_error(fmt::format("test '{}' needs an integer, got {}", name, v.type_name()));
    }
    std::int64_t i = v.is_bool() ? v.as_bool() : v.as_int();
    if (name == "even") return i % 2 == 0;
    if (name == "odd") return i % 2 != 0;
    if (!other.is_int() || other.as_int() == 0) {
      return type_error("divisibleby needs a non-zero integer");
    }
    if (other.as_int() == -1) return true;
    return i % other.as_int() == 0;
  }
  if (name == "sameas") {
    if (v.kind() != other.kind()) return false;
    if (v.is_list()) return &v.as_list() == &other.as_list();
    if (v.is_dict()) return &v.as_dict() == &other.as_dict();
    return v.equals(other);
  }
  if (name == "eq" || name == "equalto" || name == "==") return v.equals(other);
  if (name == "ne" || name == "!=") return !v.equals(other);
  if (name == "in") return contains(other, v);
  auto c = compare_values(v, other);
  if (!c) return c.error();
  if (name == "lt" || name == "lessthan" || name == "<") return *c < 0;
  if (name == "le" || name == "<=") return *c <= 0;
  if (name == "gt" || name == "greaterthan" || name == ">") return *c > 0;
  if (name == "ge" || name == ">=") return *c >= 0;
  return type_error(fmt::format("unknown test '{}'", name));
}

}  // namespace gg::transform::jinja::detail

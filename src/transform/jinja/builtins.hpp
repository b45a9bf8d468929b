#pragma once
// The engine's built-in behaviour with Python/Jinja2 semantics: operators, filters, tests and
// the methods of str, list and dict. Errors carry no position; the evaluator adds it.

#include "ast.hpp"
#include "jinja/environment.hpp"
#include "jinja/value.hpp"

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <string_view>

namespace gg::transform::jinja::detail {

// ---- operators (operators.cpp) ----

/// a <op> b for the arithmetic operators, ==, != and the ordering comparisons.
gg::result<value> binary_operation(binary_op op, const value& a, const value& b, const limits& lim);
/// Python ordering: -1, 0 or 1; numbers with numbers, str with str, lists element-wise.
gg::result<int> compare_values(const value& a, const value& b);
/// `item in container` for str (substring), list, dict (keys) and undefined (false).
gg::result<bool> contains(const value& container, const value& item);
/// Python's `fmt % args` (printf-style %s %r %d %i %f %e %g %x %o %c %%, widths, precisions).
gg::result<std::string> percent_format(const std::string& fmt, const value& args);
/// Python's str.format: {} {0} {name} fields, {{ and }}, optional !r/!s and simple specs.
gg::result<std::string> brace_format(const std::string& fmt, const call_args& args);
/// The items of an iterable: list items, dict keys, str characters, undefined as empty.
gg::result<list> iterate(const value& v);
/// Python len().
gg::result<std::int64_t> length_of(const value& v);
/// Appends the JSON text of v (json.dumps with sort_keys as Jinja's tojson; optional indent).
gg::status append_json(std::string& out, const value& v, int indent, int depth, bool sort_keys);
/// Number of Unicode code points in UTF-8 text.
std::size_t utf8_length(std::string_view s);

// ---- filters (filters.cpp) ----

bool is_filter(std::string_view name);
/// Applies filter `name` to `subject`.
gg::result<value> apply_filter(std::string_view name, const value& subject, call_args& args,
                               const limits& lim);

// ---- tests (tests.cpp) ----

bool is_test(std::string_view name);
gg::result<bool> apply_test(std::string_view name, const value& subject, call_args& args);

// ---- methods (methods.cpp) ----

/// Whether `self` (a str, list or dict) has the Python method `name`.
bool has_method(const value& self, std::string_view name);
/// Calls the method; requires has_method(self, name).
gg::result<value> call_method(const value& self, std::string_view name, call_args& args,
                              const limits& lim);

}  // namespace gg::transform::jinja::detail

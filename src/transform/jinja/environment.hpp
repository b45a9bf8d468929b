#pragma once
// The environment templates render in: globals (built-ins, registered macros, native functions),
// limits against hostile templates, and the entry points to render and call.

#include "jinja/template.hpp"
#include "jinja/value.hpp"

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gg::transform::jinja {

/// Bounds one render (or one call) may use; exceeding one is an error naming the limit and the
/// position, never a crash or a hang.
struct limits {
  std::size_t max_depth = 250;                      // nested macro calls
  std::size_t max_output_bytes = 64 * 1024 * 1024;  // any single string or output buffer
  std::uint64_t max_loop_iterations = 1'000'000;    // summed over one render; also caps range()
};

/// The per-render variables (the dbt context of one node: `this`, `ref`, `config`...).
/// Not synchronised; build one per render, or share a const one.
class context {
 public:
  void set(std::string name, value v);
  /// The variable `name`, or nullptr.
  const value* find(std::string_view name) const;

 private:
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, value, key_hash, std::equal_to<>> vars_;
};

/// Renders templates. Names resolve: block locals, then macro arguments, then the context,
/// then the globals, else undefined. The built-in globals are `range`, `dict`, `namespace`
/// and `return` (which ends the macro it is called in with its argument as the call's value).
///
/// Thread-safety: set_global and add_macros must not run concurrently with anything else;
/// the const methods (render, call, global) may run from several threads at once, provided the
/// native functions and objects they reach are thread-safe.
class environment {
 public:
  explicit environment(struct limits l = {});

  /// Defines or replaces the global `name`.
  void set_global(std::string name, value v);
  /// The global `name`, or undefined.
  value global(std::string_view name) const;

  /// Registers every top-level `{% macro m %}` of `t` as the global `m` and every
  /// `{% test t(...) %}` as `test_t`, replacing an earlier global of the same name. Macros see
  /// the context of the render that calls them. Keeps `t` alive.
  void add_macros(const std::shared_ptr<const template_>& t);

  /// Renders `t` with `ctx`. Errors: gg::error{errc::invalid_input, "<name>:<line>:<col>:
  /// <message>"} naming the innermost template position, also for errors returned by native
  /// functions (their message after the position of the call).
  gg::result<std::string> render(const template_& t, const context& ctx) const;

  /// Calls `fn` (a macro or a native function, e.g. global("generate_schema_name")) with
  /// `args`, rendering in `ctx`. A macro returns its output as a string, or the value given
  /// to return().
  gg::result<value> call(const value& fn, call_args args, const context& ctx) const;

  const struct limits& limits() const noexcept { return limits_; }

 private:
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct limits limits_;
  std::unordered_map<std::string, value, key_hash, std::equal_to<>> globals_;
};

}  // namespace gg::transform::jinja

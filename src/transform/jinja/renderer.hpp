#pragma once
// Walks the syntax tree: one renderer per render or call, on the caller's thread.

#include "ast.hpp"
#include "jinja/environment.hpp"
#include "jinja/value.hpp"

#include <gadgetgrove/core/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::transform::jinja::detail {

/// A scope: block locals of a template, a loop body or a macro call. Shared because macros
/// (and caller blocks) keep the scope they were defined in.
struct frame {
  std::shared_ptr<frame> parent;
  std::vector<std::pair<std::string, value>> vars;

  value* find_local(std::string_view name) {
    for (auto& [k, v] : vars) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  void set(std::string_view name, value v) {
    if (value* existing = find_local(name)) {
      *existing = std::move(v);
      return;
    }
    vars.emplace_back(std::string(name), std::move(v));
  }
};

struct macro {
  std::shared_ptr<const template_body> owner;  // keeps decl alive
  std::shared_ptr<const macro_decl> decl;
  // The scope the macro was defined in. Weak: that scope usually holds the macro itself, and a
  // strong reference would make a cycle that outlives the render. A macro that outlives its
  // scope resolves names from the context and globals only.
  std::weak_ptr<frame> closure;
};

/// The value given to return(); recognised by identity.
const std::shared_ptr<const function>& return_function();

/// Evaluates templates and calls within one environment and context. Not thread-safe; cheap
/// to construct, so every render and call makes its own.
class renderer {
 public:
  renderer(const environment& env, const context& ctx, const struct limits& lim)
      : env_(env), ctx_(ctx), limits_(lim) {}

  gg::result<std::string> render(const std::shared_ptr<const template_body>& t);
  gg::result<value> call(const value& fn, call_args& args);

 private:
  gg::status exec(const body& b, const std::shared_ptr<frame>& f, std::string& out);
  gg::status exec_stmt(const stmt& s, const std::shared_ptr<frame>& f, std::string& out);
  gg::status exec_for(const stmt& s, const std::shared_ptr<frame>& f, std::string& out);
  gg::status assign(const target& t, value v, const std::shared_ptr<frame>& f);

  /// eval_expr, failing when a print inside it stopped at the print limits.
  gg::result<value> eval(const expr& e, const std::shared_ptr<frame>& f);
  gg::result<value> eval_expr(const expr& e, const std::shared_ptr<frame>& f);
  gg::result<value> eval_call(const expr& e, const std::shared_ptr<frame>& f);
  gg::result<value> eval_filter(const expr& e, const value* subject,
                                const std::shared_ptr<frame>& f);
  gg::status eval_args(const expr& e, const std::shared_ptr<frame>& f, call_args& args);
  gg::result<value> lookup(const expr& e, const std::shared_ptr<frame>& f);
  gg::result<value> get_attr(const expr& e, const value& obj, const std::string& name);
  gg::result<value> get_item(const expr& e, const value& obj, const value& key);
  gg::result<value> invoke(const expr& at, const value& fn, call_args& args);
  gg::result<value> call_macro(const macro& m, call_args& args, const position* at);
  /// Fails when v is undefined, naming the expression that produced it.
  gg::status require_defined(const expr& e, const value& v);

  gg::error error_at(position pos, std::string_view message) const;
  /// Prefixes an error from a native function or builtin with the position of the call,
  /// unless it already names a template position.
  gg::error wrap(position pos, const gg::error& e) const;
  gg::status check_output(const std::string& out, position pos) const;

  const environment& env_;
  const context& ctx_;
  const struct limits& limits_;
  const template_body* current_ = nullptr;
  std::shared_ptr<const template_body> owner_;  // the template macros defined now belong to
  std::uint64_t iterations_ = 0;
  bool returning_ = false;
  value return_value_;
  std::size_t macro_depth_ = 0;  // macros active in this renderer (return() needs one)
};

}  // namespace gg::transform::jinja::detail

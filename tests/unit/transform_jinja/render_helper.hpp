#pragma once
// Test helper: parse and render a template in one call.

#include "jinja/environment.hpp"

#include <string>
#include <string_view>

namespace gg::transform::jinja::test {

/// Parses `text` as "t.sql" and renders it with `env` and `ctx`.
inline gg::result<std::string> render(const environment& env, std::string_view text,
                                      const context& ctx = {}) {
  auto t = parse_template("t.sql", text);
  if (!t) return t.error();
  return env.render(**t, ctx);
}

/// The error message of a render that must fail, or "<rendered: ...>" when it did not.
inline std::string render_error(const environment& env, std::string_view text,
                                const context& ctx = {}) {
  auto r = render(env, text, ctx);
  if (r) return "<rendered: " + *r + ">";
  return r.error().message;
}

}  // namespace gg::transform::jinja::test

#pragma once
// A parsed template: the immutable syntax tree of one file, shareable between threads.

#include <gadgetgrove/core/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gg::transform::jinja {

namespace detail {
struct template_body;  // the syntax tree (ast.hpp, private to the engine)
}  // namespace detail

/// One parsed template. Immutable after parse_template, so any number of threads may render it
/// at once; macros registered from it keep it alive.
class template_ {
 public:
  explicit template_(std::shared_ptr<const detail::template_body> body) noexcept
      : body_(std::move(body)) {}

  /// The name given to parse_template; error messages start with it.
  const std::string& name() const noexcept;
  /// The names environment::add_macros registers from this template, in source order:
  /// each top-level `{% macro m %}` as "m" and each `{% test t %}` as "test_t".
  std::vector<std::string> macro_names() const;

  const std::shared_ptr<const detail::template_body>& body() const noexcept { return body_; }

 private:
  std::shared_ptr<const detail::template_body> body_;
};

/// Lexes and parses `text`. `name` (usually the file path) prefixes every error:
/// gg::error{errc::invalid_input, "<name>:<line>:<col>: <message>"} for a syntax error or an
/// unknown tag. Filters, tests and names are resolved when rendering. Does not block.
gg::result<std::shared_ptr<const template_>> parse_template(std::string name,
                                                            std::string_view text);

}  // namespace gg::transform::jinja

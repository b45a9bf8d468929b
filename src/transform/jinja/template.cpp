#include "jinja/template.hpp"

#include "ast.hpp"
#include "parser.hpp"

namespace gg::transform::jinja {

const std::string& template_::name() const noexcept { return body_->name; }

std::vector<std::string> template_::macro_names() const {
  std::vector<std::string> names;
  for (const detail::stmt& s : body_->root) {
    if (s.kind == detail::stmt_kind::macro) names.push_back(s.macro->name);
  }
  return names;
}

gg::result<std::shared_ptr<const template_>> parse_template(std::string name,
                                                            std::string_view text) {
  auto body = detail::parse(std::move(name), text);
  if (!body) return body.error();
  return std::make_shared<const template_>(std::shared_ptr<const detail::template_body>(*body));
}

}  // namespace gg::transform::jinja

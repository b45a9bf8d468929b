#include "jinja/template.hpp"

namespace gg::transform::jinja {
namespace detail {
struct template_body {
  std::string name;
};
}  // namespace detail

const std::string& template_::name() const noexcept { return body_->name; }

std::vector<std::string> template_::macro_names() const { return {}; }

gg::result<std::shared_ptr<const template_>> parse_template(std::string name, std::string_view) {
  return gg::fail(errc::invalid_input, name + ":1:1: the template engine is being built");
}

}  // namespace gg::transform::jinja

#include "jinja/environment.hpp"

namespace gg::transform::jinja {

void context::set(std::string name, value v) {
  vars_.insert_or_assign(std::move(name), std::move(v));
}

const value* context::find(std::string_view name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

environment::environment(struct limits l) : limits_(l) {}

void environment::set_global(std::string name, value v) {
  globals_.insert_or_assign(std::move(name), std::move(v));
}

value environment::global(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? value() : it->second;
}

void environment::add_macros(const std::shared_ptr<const template_>&) {}

gg::result<std::string> environment::render(const template_& t, const context&) const {
  return gg::fail(errc::invalid_input, t.name() + ":1:1: the template engine is being built");
}

gg::result<value> environment::call(const value&, call_args, const context&) const {
  return gg::fail(errc::invalid_input, "the template engine is being built");
}

}  // namespace gg::transform::jinja

#include "jinja/environment.hpp"

#include "builtins.hpp"
#include "cycle_collector.hpp"
#include "print_limit.hpp"
#include "renderer.hpp"

#include <fmt/format.h>

namespace gg::transform::jinja {
namespace {

gg::error type_error(std::string message) {
  return gg::error{errc::invalid_input, std::move(message)};
}

// namespace(): an object whose attributes templates may assign, so a value set inside a loop
// survives the loop (Jinja's answer to loop scoping).
class namespace_object final : public object {
 public:
  explicit namespace_object(dict attrs) : attrs_(std::make_shared<dict>(std::move(attrs))) {}

  std::optional<value> attr(std::string_view name) const override {
    const value* v = attrs_->find(name);
    if (!v) return std::nullopt;
    return *v;
  }
  gg::status set_attr(std::string_view name, value v) override {
    attrs_->set(std::string(name), std::move(v));
    return {};
  }
  // Prints the attributes' own dict, not a copy, so a namespace that holds itself prints as
  // Python's <Namespace {'self': <Namespace {...}>}> within the print it is part of.
  std::string str() const override { return "<Namespace " + value(attrs_).repr() + ">"; }
  std::string type_name() const override { return "Namespace"; }
  void for_each_value(const std::function<void(const value&)>& fn) const override {
    for (const auto& [k, v] : *attrs_) fn(v);
  }
  void release_values() override { *attrs_ = dict(); }

 private:
  // Only this object holds the dict; a shared_ptr so printing can wrap it in a value.
  std::shared_ptr<dict> attrs_;
};

gg::result<value> builtin_range(call_args& args, std::uint64_t max_items) {
  if (!args.keyword.empty()) return type_error("range() takes no keyword arguments");
  std::size_t n = args.positional.size();
  if (n < 1 || n > 3) return type_error(fmt::format("range expected 1 to 3 arguments, got {}", n));
  std::int64_t bounds[3] = {0, 0, 1};
  for (std::size_t i = 0; i < n; ++i) {
    const value& v = args.positional[i];
    if (!v.is_int() && !v.is_bool()) {
      return type_error(
          fmt::format("'{}' object cannot be interpreted as an integer", v.type_name()));
    }
    std::int64_t x = v.is_bool() ? v.as_bool() : v.as_int();
    if (n == 1) {
      bounds[1] = x;
    } else {
      bounds[i] = x;
    }
  }
  auto [start, stop, step] = bounds;
  if (step == 0) return type_error("range() arg 3 must not be zero");
  // Computed in long double so extreme bounds cannot overflow before the size check.
  long double count = step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                               : (static_cast<long double>(start) - stop - step - 1) / -step;
  if (count < 0) count = 0;
  if (count > static_cast<long double>(max_items)) {
    return type_error(fmt::format("range() of {} items exceeds the loop limit of {}",
                                  static_cast<double>(count), max_items));
  }
  list out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.emplace_back(static_cast<long long>(i));
    if (out.size() >= static_cast<std::size_t>(count)) break;
  }
  return value(std::move(out));
}

gg::result<value> builtin_dict(call_args& args) {
  dict d;
  if (args.positional.size() > 1) return type_error("dict expected at most 1 argument");
  if (!args.positional.empty()) {
    const value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.as_dict();
    } else if (src.is_list()) {
      for (const value& pair : src.as_list()) {
        if (!pair.is_list() || pair.as_list().size() != 2 || !pair.as_list()[0].is_string()) {
          return type_error("dict() needs (str, value) pairs");
        }
        d.set(pair.as_list()[0].as_string(), pair.as_list()[1]);
      }
    } else {
      return type_error(fmt::format("'{}' object is not iterable", src.type_name()));
    }
  }
  for (const auto& [k, v] : args.keyword) d.set(k, v);
  return value(std::move(d));
}

}  // namespace

void context::set(std::string name, value v) {
  vars_.insert_or_assign(std::move(name), std::move(v));
}

const value* context::find(std::string_view name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

environment::environment(struct limits l) : limits_(l) {
  std::uint64_t max_items = l.max_loop_iterations;
  set_global("range", value::make_function("range", [max_items](call_args& args) {
               return builtin_range(args, max_items);
             }));
  set_global("dict", value::make_function("dict", builtin_dict));
  set_global("namespace", value::make_function("namespace", [](call_args& args) {
               auto d = builtin_dict(args);
               if (!d) return d;
               std::shared_ptr<object> ns = std::make_shared<namespace_object>(d->as_dict());
               detail::cycle_collector::track(ns);
               return gg::result<value>(value(std::move(ns)));
             }));
  set_global("return", value(detail::return_function()));
}

void environment::set_global(std::string name, value v) {
  globals_.insert_or_assign(std::move(name), std::move(v));
}

value environment::global(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? value() : it->second;
}

void environment::add_macros(const std::shared_ptr<const template_>& t) {
  for (const detail::stmt& s : t->body()->root) {
    if (s.kind != detail::stmt_kind::macro) continue;
    auto fn = std::make_shared<function>();
    fn->name = s.macro->name;
    fn->macro = std::make_shared<detail::macro>(detail::macro{t->body(), s.macro, {}});
    set_global(s.macro->name, value(std::shared_ptr<const function>(std::move(fn))));
  }
}

gg::result<std::string> environment::render(const template_& t, const context& ctx) const {
  detail::print_limit printing(limits_.max_output_bytes);
  detail::cycle_collector cycles;
  detail::renderer r(*this, ctx, limits_);
  return r.render(t.body());
}

gg::result<value> environment::call(const value& fn, call_args args, const context& ctx) const {
  detail::print_limit printing(limits_.max_output_bytes);
  detail::cycle_collector cycles;
  // The renderer (with its scopes) ends before the collector, the result after it: what the
  // result holds is in use, the rest of the call's cycles are freed.
  gg::result<value> out = [&] {
    detail::renderer r(*this, ctx, limits_);
    return r.call(fn, args);
  }();
  return out;
}

}  // namespace gg::transform::jinja

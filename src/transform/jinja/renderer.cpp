#include "renderer.hpp"

#include "builtins.hpp"
#include "cycle_collector.hpp"
#include "lexer.hpp"
#include "print_limit.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <pthread.h>

namespace gg::transform::jinja::detail {
namespace {

// Recursion through eval/exec beyond this is refused: nested expressions and blocks are bounded
// by the parser, macro calls by limits::max_depth, and this bounds their product so a hostile
// template cannot exhaust the stack.
constexpr std::size_t max_recursion = 1500;

// The `loop` variable of a for loop.
class loop_object final : public object {
 public:
  explicit loop_object(std::shared_ptr<list> items) : items_(std::move(items)) {}

  void set_index(std::size_t i) { index_ = i; }

  std::optional<value> attr(std::string_view name) const override {
    const auto n = static_cast<long long>(items_->size());
    const auto i = static_cast<long long>(index_);
    if (name == "index") return value(i + 1);
    if (name == "index0") return value(i);
    if (name == "revindex") return value(n - i);
    if (name == "revindex0") return value(n - i - 1);
    if (name == "first") return value(i == 0);
    if (name == "last") return value(i == n - 1);
    if (name == "length") return value(n);
    if (name == "depth") return value(1);
    if (name == "depth0") return value(0);
    if (name == "previtem") return i > 0 ? (*items_)[index_ - 1] : value();
    if (name == "nextitem") return i + 1 < n ? (*items_)[index_ + 1] : value();
    if (name == "cycle") {
      std::size_t at = index_;
      return value::make_function("cycle", [at](call_args& args) -> gg::result<value> {
        if (args.positional.empty()) {
          return gg::fail(errc::invalid_input, "no items for cycling given");
        }
        return args.positional[at % args.positional.size()];
      });
    }
    return std::nullopt;
  }
  std::string str() const override {
    return "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(items_->size()) +
           ">";
  }
  std::string type_name() const override { return "LoopContext"; }
  // The items can hold the loop itself (`{% do items.append(loop) %}` over a list that holds
  // itself); only this object holds the items list.
  void for_each_value(const std::function<void(const value&)>& fn) const override {
    for (const value& v : *items_) fn(v);
  }
  void release_values() override { *items_ = list(); }

 private:
  std::shared_ptr<list> items_;
  std::size_t index_ = 0;
};

// A method of a str, list or dict taken as a value (`l.append`): Python's bound method. An
// object rather than a native function capturing `self`, so that a list holding its own method
// is a cycle the end of the render can see and free.
class bound_method final : public object {
 public:
  bound_method(value self, std::string name, const struct limits& lim)
      : self_(std::move(self)), name_(std::move(name)), limits_(lim) {}

  std::optional<value> attr(std::string_view) const override { return std::nullopt; }
  std::string str() const override {
    return fmt::format("<built-in method {} of {} object>", name_, self_.type_name());
  }
  std::string type_name() const override { return "builtin_function_or_method"; }
  bool callable() const override { return true; }
  gg::result<value> call(call_args& args) override {
    return call_method(self_, name_, args, limits_);
  }
  void for_each_value(const std::function<void(const value&)>& fn) const override { fn(self_); }
  void release_values() override { self_ = value(); }

 private:
  value self_;
  std::string name_;
  struct limits limits_;
};

// Recursion and macro nesting on this thread, summed over nested renders: a native function
// may call environment::call, which starts a renderer of its own on the same stack.
thread_local std::size_t thread_depth = 0;
thread_local std::size_t thread_macro_depth = 0;

// The stack is bounded by what is left of this thread's real stack, not by an assumed frame
// size: frames differ several times in size between builds (ASan's redzones), so a fixed
// budget either stops legitimate depth under a sanitizer or overruns a small stack. A render
// stops while `stack_reserve` bytes are left, enough to unwind with an error and report it.
constexpr std::size_t stack_reserve = 256 * 1024;
// Where the thread's stack cannot be known (pthread_getattr_np failed, or the render runs on a
// stack of its own, outside the thread's), a render may use this much below its first frame.
constexpr std::ptrdiff_t fallback_stack_bytes = 2 * 1024 * 1024;

// This thread's stack: [low, high), found once per thread.
struct stack_range {
  const char* low = nullptr;
  const char* high = nullptr;
};

stack_range thread_stack() {
  stack_range r;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return r;
  void* addr = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr != nullptr) {
    r.low = static_cast<const char*>(addr);
    r.high = r.low + size;
  }
  pthread_attr_destroy(&attr);
  return r;
}

thread_local const stack_range this_thread_stack = thread_stack();
thread_local const char* thread_stack_base = nullptr;

struct depth_guard {
  std::size_t& d;
  explicit depth_guard(std::size_t& depth) : d(depth) {
    if (d++ == 0) thread_stack_base = reinterpret_cast<const char*>(__builtin_frame_address(0));
  }
  ~depth_guard() { --d; }
  // Whether the recursion went too deep, by count or by the stack left.
  bool too_deep() const {
    if (d > max_recursion) return true;
    const char* here = reinterpret_cast<const char*>(__builtin_frame_address(0));
    const stack_range& s = this_thread_stack;
    if (s.low != nullptr && here > s.low && here < s.high) {
      return static_cast<std::size_t>(here - s.low) < stack_reserve;
    }
    std::ptrdiff_t used = thread_stack_base - here;
    return used > fallback_stack_bytes || used < -fallback_stack_bytes;
  }
};

}  // namespace

const std::shared_ptr<const function>& return_function() {
  static const std::shared_ptr<const function> fn = [] {
    auto f = std::make_shared<function>();
    f->name = "return";
    return std::shared_ptr<const function>(std::move(f));
  }();
  return fn;
}

std::string describe(const expr& e) {
  switch (e.kind) {
    case expr_kind::name:
      return e.name;
    case expr_kind::literal:
      return e.literal.repr();
    case expr_kind::attr:
      return describe(*e.a) + "." + e.name;
    case expr_kind::item:
      return describe(*e.a) + "[" + describe(*e.b) + "]";
    case expr_kind::call:
      return describe(*e.a) + "(...)";
    case expr_kind::filter:
      return (e.a ? describe(*e.a) : std::string()) + "|" + e.name;
    default:
      return "expression";
  }
}

gg::error renderer::error_at(position pos, std::string_view message) const {
  return detail::error_at(current_ ? current_->name : std::string_view(), pos, message);
}

namespace {

// Whether a message already starts with "<name>:<line>:<col>: " (an error from a template
// rendered inside a native function); such an error keeps its innermost position.
bool has_position(std::string_view m) {
  std::size_t space = m.find(": ");
  if (space == std::string_view::npos) return false;
  std::string_view head = m.substr(0, space);
  std::size_t c2 = head.rfind(':');
  if (c2 == std::string_view::npos || c2 + 1 == head.size()) return false;
  std::size_t c1 = head.rfind(':', c2 - 1);
  if (c1 == std::string_view::npos || c1 == 0 || c1 + 1 == c2) return false;
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(head.substr(c1 + 1, c2 - c1 - 1)) && digits(head.substr(c2 + 1));
}

}  // namespace

gg::error renderer::wrap(position pos, const gg::error& e) const {
  if (has_position(e.message)) return e;
  gg::error out = error_at(pos, e.message);
  out.code = e.code == errc::internal ? errc::invalid_input : e.code;
  return out;
}

gg::status renderer::check_output(const std::string& out, position pos) const {
  if (print_failed()) return error_at(pos, take_print_failure());
  if (out.size() > limits_.max_output_bytes) {
    return error_at(pos,
                    fmt::format("output exceeds the limit of {} bytes", limits_.max_output_bytes));
  }
  return {};
}

gg::status renderer::require_defined(const expr& e, const value& v) {
  if (!v.is_undefined()) return {};
  switch (e.kind) {
    case expr_kind::name:
      return error_at(e.pos, fmt::format("'{}' is undefined", e.name));
    case expr_kind::attr:
      return error_at(e.pos, fmt::format("'{}' has no attribute '{}'", describe(*e.a), e.name));
    case expr_kind::item:
      return error_at(e.pos, fmt::format("'{}' has no item {}", describe(*e.a), describe(*e.b)));
    default:
      return error_at(e.pos, fmt::format("'{}' is undefined", describe(e)));
  }
}

gg::result<std::string> renderer::render(const std::shared_ptr<const template_body>& t) {
  current_ = t.get();
  auto root = std::make_shared<frame>();
  std::string out;
  // Macros defined in the template close over its root scope; remember the owner for them.
  owner_ = t;
  if (auto st = exec(t->root, root, out); !st) return st.error();
  return out;
}

gg::result<value> renderer::call(const value& fn, call_args& args) {
  if (fn.is_function() && fn.as_function()->macro) {
    return call_macro(*fn.as_function()->macro, args, nullptr);
  }
  if (fn.is_function() && fn.as_function()->native) return fn.as_function()->native(args);
  if (fn.is_object() && fn.as_object()->callable()) return fn.as_object()->call(args);
  return gg::fail(errc::invalid_input, fmt::format("'{}' object is not callable", fn.type_name()));
}

gg::status renderer::exec(const body& b, const std::shared_ptr<frame>& f, std::string& out) {
  for (const stmt& s : b) {
    if (auto st = exec_stmt(s, f, out); !st) return st;
    if (returning_) return {};
  }
  return {};
}

gg::status renderer::exec_stmt(const stmt& s, const std::shared_ptr<frame>& f, std::string& out) {
  depth_guard guard(thread_depth);
  if (guard.too_deep()) return error_at(s.pos, "nesting too deep");
  switch (s.kind) {
    case stmt_kind::text:
      out += s.text;
      return check_output(out, s.pos);
    case stmt_kind::output: {
      auto v = eval(*s.e, f);
      if (!v) return v.error();
      if (returning_) return {};
      v->append_str(out);
      return check_output(out, s.pos);
    }
    case stmt_kind::if_:
      for (const auto& [cond, b] : s.branches) {
        auto c = eval(*cond, f);
        if (!c) return c.error();
        if (returning_) return {};
        if (c->truthy()) return exec(b, f, out);
      }
      return exec(s.else_body, f, out);
    case stmt_kind::for_:
      return exec_for(s, f, out);
    case stmt_kind::set: {
      auto v = eval(*s.e, f);
      if (!v) return v.error();
      if (returning_) return {};
      return assign(s.tgt, std::move(*v), f);
    }
    case stmt_kind::set_block:
    case stmt_kind::filter: {
      std::string inner;
      if (auto st = exec(s.inner, f, inner); !st) return st;
      if (returning_) return {};
      value v(std::move(inner));
      if (s.e) {
        auto filtered = eval_filter(*s.e, &v, f);
        if (!filtered) return filtered.error();
        v = std::move(*filtered);
      }
      if (s.kind == stmt_kind::set_block) return assign(s.tgt, std::move(v), f);
      v.append_str(out);
      return check_output(out, s.pos);
    }
    case stmt_kind::macro: {
      auto fn = std::make_shared<function>();
      fn->name = s.macro->name;
      fn->macro = std::make_shared<macro>(macro{owner_, s.macro, f});
      f->set(s.macro->name, value(std::shared_ptr<const function>(std::move(fn))));
      return {};
    }
    case stmt_kind::call_block: {
      auto caller = std::make_shared<function>();
      caller->name = "caller";
      caller->macro = std::make_shared<macro>(macro{owner_, s.macro, f});
      const expr& call = *s.e;
      auto callee = eval(*call.a, f);
      if (!callee) return callee.error();
      if (auto st = require_defined(*call.a, *callee); !st) return st;
      call_args args;
      if (auto st = eval_args(call, f, args); !st) return st;
      args.keyword.emplace_back("caller", value(std::shared_ptr<const function>(caller)));
      auto r = invoke(call, *callee, args);
      if (!r) return r.error();
      r->append_str(out);
      return check_output(out, s.pos);
    }
    case stmt_kind::do_: {
      auto v = eval(*s.e, f);
      if (!v) return v.error();
      return {};
    }
    case stmt_kind::with: {
      auto inner = std::make_shared<frame>();
      inner->parent = f;
      for (const auto& [t, e] : s.assignments) {
        auto v = eval(*e, f);
        if (!v) return v.error();
        if (auto st = assign(t, std::move(*v), inner); !st) return st;
      }
      return exec(s.inner, inner, out);
    }
  }
  return {};
}

gg::status renderer::exec_for(const stmt& s, const std::shared_ptr<frame>& f, std::string& out) {
  auto seq = eval(*s.e, f);
  if (!seq) return seq.error();
  if (seq->is_object() || seq->is_function() || seq->is_number() || seq->is_bool() ||
      seq->is_none()) {
    return error_at(s.e->pos, fmt::format("'{}' object is not iterable", seq->type_name()));
  }
  auto all = iterate(*seq);
  if (!all) return wrap(s.e->pos, all.error());
  auto items = std::make_shared<list>();
  if (s.cond) {
    // Jinja filters before counting, so loop.length and loop.last see only kept items.
    auto scratch = std::make_shared<frame>();
    scratch->parent = f;
    for (value& item : *all) {
      if (++iterations_ > limits_.max_loop_iterations) {
        return error_at(s.pos, fmt::format("loop iterations exceed the limit of {}",
                                           limits_.max_loop_iterations));
      }
      scratch->vars.clear();
      if (auto st = assign(s.tgt, item, scratch); !st) return st;
      auto keep = eval(*s.cond, scratch);
      if (!keep) return keep.error();
      if (keep->truthy()) items->push_back(std::move(item));
    }
  } else {
    *items = std::move(*all);
  }
  if (items->empty()) return exec(s.else_body, f, out);
  auto loop = std::make_shared<loop_object>(items);
  value loop_value{std::shared_ptr<object>(loop)};
  cycle_collector::track(loop_value.as_object());
  auto body_frame = std::make_shared<frame>();
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (++iterations_ > limits_.max_loop_iterations) {
      return error_at(s.pos, fmt::format("loop iterations exceed the limit of {}",
                                         limits_.max_loop_iterations));
    }
    // A body scope captured by a macro or caller defined inside the loop must keep its
    // values, so only an uncaptured scope is reused for the next iteration.
    if (body_frame.use_count() > 1) body_frame = std::make_shared<frame>();
    body_frame->parent = f;
    body_frame->vars.clear();
    loop->set_index(i);
    body_frame->vars.emplace_back("loop", loop_value);
    if (auto st = assign(s.tgt, (*items)[i], body_frame); !st) return st;
    if (auto st = exec(s.inner, body_frame, out); !st) return st;
    if (returning_) return {};
  }
  return {};
}

gg::status renderer::assign(const target& t, value v, const std::shared_ptr<frame>& f) {
  if (!t.attr.empty()) {
    value obj;
    for (frame* cur = f.get(); cur != nullptr; cur = cur->parent.get()) {
      if (value* found = cur->find_local(t.names[0])) {
        obj = *found;
        break;
      }
    }
    if (obj.is_undefined()) {
      if (const value* c = ctx_.find(t.names[0])) obj = *c;
    }
    if (!obj.is_object()) {
      return error_at(t.pos, fmt::format("cannot assign attribute '{}' on '{}': only a "
                                         "namespace() takes attribute assignments",
                                         t.attr, t.names[0]));
    }
    if (auto st = obj.as_object()->set_attr(t.attr, std::move(v)); !st) {
      return wrap(t.pos, st.error());
    }
    return {};
  }
  if (!t.tuple) {
    f->set(t.names[0], std::move(v));
    return {};
  }
  auto items = iterate(v);
  if (!items || v.is_undefined()) {
    return error_at(t.pos, fmt::format("cannot unpack non-iterable {} object", v.type_name()));
  }
  if (items->size() != t.names.size()) {
    if (items->size() > t.names.size()) {
      return error_at(t.pos,
                      fmt::format("too many values to unpack (expected {})", t.names.size()));
    }
    return error_at(t.pos, fmt::format("not enough values to unpack (expected {}, got {})",
                                       t.names.size(), items->size()));
  }
  for (std::size_t i = 0; i < t.names.size(); ++i) f->set(t.names[i], std::move((*items)[i]));
  return {};
}

gg::result<value> renderer::lookup(const expr& e, const std::shared_ptr<frame>& f) {
  for (frame* cur = f.get(); cur != nullptr; cur = cur->parent.get()) {
    if (value* v = cur->find_local(e.name)) return *v;
  }
  if (const value* v = ctx_.find(e.name)) return *v;
  return env_.global(e.name);
}

gg::result<value> renderer::eval(const expr& e, const std::shared_ptr<frame>& f) {
  auto v = eval_expr(e, f);
  // A value printed while evaluating (str(), a filter, a native function's message) may have
  // stopped at the print limits: its text is then cut short and must not be used, not even in
  // an error message, so the print's failure is the error.
  if (print_failed()) return error_at(e.pos, take_print_failure());
  return v;
}

gg::result<value> renderer::eval_expr(const expr& e, const std::shared_ptr<frame>& f) {
  depth_guard guard(thread_depth);
  if (guard.too_deep()) return error_at(e.pos, "nesting too deep");
  switch (e.kind) {
    case expr_kind::literal:
      return e.literal;
    case expr_kind::name:
      return lookup(e, f);
    case expr_kind::list:
    case expr_kind::tuple: {
      list items;
      items.reserve(e.items.size());
      for (const expr_ptr& item : e.items) {
        auto v = eval(*item, f);
        if (!v) return v;
        items.push_back(std::move(*v));
      }
      if (e.kind == expr_kind::tuple) return value::make_tuple(std::move(items));
      return value(std::move(items));
    }
    case expr_kind::dict: {
      dict d;
      for (const auto& [k, v] : e.pairs) {
        auto key = eval(*k, f);
        if (!key) return key;
        if (!key->is_string()) {
          return error_at(k->pos,
                          fmt::format("dict keys must be strings here, got {}", key->type_name()));
        }
        auto val = eval(*v, f);
        if (!val) return val;
        d.set(key->as_string(), std::move(*val));
      }
      return value(std::move(d));
    }
    case expr_kind::attr: {
      auto obj = eval(*e.a, f);
      if (!obj) return obj;
      if (auto st = require_defined(*e.a, *obj); !st) return st.error();
      return get_attr(e, *obj, e.name);
    }
    case expr_kind::item: {
      auto obj = eval(*e.a, f);
      if (!obj) return obj;
      if (auto st = require_defined(*e.a, *obj); !st) return st.error();
      auto key = eval(*e.b, f);
      if (!key) return key;
      return get_item(e, *obj, *key);
    }
    case expr_kind::slice: {
      auto obj = eval(*e.a, f);
      if (!obj) return obj;
      if (auto st = require_defined(*e.a, *obj); !st) return st.error();
      value bounds[3];
      const expr* parts[3] = {e.b.get(), e.c.get(), e.d.get()};
      for (int i = 0; i < 3; ++i) {
        if (parts[i] == nullptr) continue;
        auto v = eval(*parts[i], f);
        if (!v) return v;
        if (!v->is_int() && !v->is_none() && !v->is_bool()) {
          return error_at(parts[i]->pos, "slice indices must be integers or None");
        }
        bounds[i] = v->is_bool() ? value(v->as_bool() ? 1 : 0) : std::move(*v);
      }
      call_args args;
      for (value& b : bounds) args.positional.push_back(b.is_undefined() ? value::none() : b);
      if (!obj->is_list() && !obj->is_string()) {
        return error_at(
            e.pos, fmt::format("'{}' object is not subscriptable with a slice", obj->type_name()));
      }
      auto r = call_method(*obj, "__slice__", args, limits_);
      if (!r) return wrap(e.pos, r.error());
      return r;
    }
    case expr_kind::call:
      return eval_call(e, f);
    case expr_kind::filter:
      return eval_filter(e, nullptr, f);
    case expr_kind::test: {
      auto subject = eval(*e.a, f);
      if (!subject) return subject;
      call_args args;
      if (auto st = eval_args(e, f, args); !st) return st.error();
      auto r = apply_test(e.name, *subject, args);
      if (!r) return wrap(e.pos, r.error());
      return value(e.negated ? !*r : *r);
    }
    case expr_kind::neg:
    case expr_kind::pos: {
      auto v = eval(*e.a, f);
      if (!v) return v;
      if (auto st = require_defined(*e.a, *v); !st) return st.error();
      if (v->is_bool()) v = value(v->as_bool() ? 1 : 0);
      if (!v->is_number()) {
        return error_at(e.pos, fmt::format("bad operand type for unary {}: '{}'",
                                           e.kind == expr_kind::neg ? '-' : '+', v->type_name()));
      }
      if (e.kind == expr_kind::pos) return v;
      if (v->is_double()) return value(-v->as_double());
      if (v->as_int() == INT64_MIN) return error_at(e.pos, "integer overflow");
      return value(static_cast<long long>(-v->as_int()));
    }
    case expr_kind::not_: {
      auto v = eval(*e.a, f);
      if (!v) return v;
      return value(!v->truthy());
    }
    case expr_kind::and_:
    case expr_kind::or_: {
      auto left = eval(*e.a, f);
      if (!left) return left;
      bool t = left->truthy();
      if (e.kind == expr_kind::and_ ? !t : t) return left;
      return eval(*e.b, f);
    }
    case expr_kind::binary: {
      auto left = eval(*e.a, f);
      if (!left) return left;
      auto right = eval(*e.b, f);
      if (!right) return right;
      if (auto st = require_defined(*e.a, *left); !st) return st.error();
      if (auto st = require_defined(*e.b, *right); !st) return st.error();
      auto r = binary_operation(e.op, *left, *right, limits_);
      if (!r) return wrap(e.pos, r.error());
      return r;
    }
    case expr_kind::compare: {
      auto left = eval(*e.a, f);
      if (!left) return left;
      const expr* left_expr = e.a.get();
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        auto right = eval(*e.items[i], f);
        if (!right) return right;
        binary_op op = e.ops[i];
        bool ok = false;
        if (op == binary_op::eq || op == binary_op::ne) {
          ok = left->equals(*right) == (op == binary_op::eq);
        } else if (op == binary_op::in || op == binary_op::not_in) {
          if (right->is_undefined()) {
            ok = op == binary_op::not_in;
          } else {
            auto c = contains(*right, *left);
            if (!c) return wrap(e.pos, c.error());
            ok = *c == (op == binary_op::in);
          }
        } else {
          if (auto st = require_defined(*left_expr, *left); !st) return st.error();
          if (auto st = require_defined(*e.items[i], *right); !st) return st.error();
          auto c = compare_values(*left, *right);
          if (!c) return wrap(e.pos, c.error());
          ok = op == binary_op::lt   ? *c < 0
               : op == binary_op::le ? *c <= 0
               : op == binary_op::gt ? *c > 0
                                     : *c >= 0;
        }
        if (!ok) return value(false);
        left = std::move(right);
        left_expr = e.items[i].get();
      }
      return value(true);
    }
    case expr_kind::concat: {
      std::string s;
      for (const expr_ptr& item : e.items) {
        auto v = eval(*item, f);
        if (!v) return v;
        v->append_str(s);
        if (auto st = check_output(s, e.pos); !st) return st.error();
      }
      return value(std::move(s));
    }
    case expr_kind::condition: {
      auto c = eval(*e.b, f);
      if (!c) return c;
      if (c->truthy()) return eval(*e.a, f);
      if (e.c) return eval(*e.c, f);
      return value();
    }
  }
  return value();
}

gg::result<value> renderer::get_attr(const expr& e, const value& obj, const std::string& name) {
  if (has_method(obj, name)) {
    std::shared_ptr<object> method = std::make_shared<bound_method>(obj, name, limits_);
    cycle_collector::track(method);
    return value(std::move(method));
  }
  if (obj.is_dict()) {
    const value* v = obj.as_dict().find(name);
    return v ? *v : value();
  }
  if (obj.is_object()) {
    std::optional<value> v = obj.as_object()->attr(name);
    return v ? std::move(*v) : value();
  }
  (void)e;
  return value();
}

gg::result<value> renderer::get_item(const expr& e, const value& obj, const value& key) {
  if (obj.is_dict()) {
    if (!key.is_string()) return value();
    const value* v = obj.as_dict().find(key.as_string());
    if (v) return *v;
    return get_attr(e, obj, key.as_string());
  }
  if (obj.is_list() || obj.is_string()) {
    if (key.is_int() || key.is_bool()) {
      call_args args;
      args.positional.push_back(key.is_bool() ? value(key.as_bool() ? 1 : 0) : key);
      auto r = call_method(obj, "__getitem__", args, limits_);
      if (!r) return wrap(e.pos, r.error());
      return r;
    }
    if (key.is_string()) return get_attr(e, obj, key.as_string());
    return value();
  }
  if (obj.is_object()) {
    std::optional<value> v = obj.as_object()->item(key);
    return v ? std::move(*v) : value();
  }
  return value();
}

gg::status renderer::eval_args(const expr& e, const std::shared_ptr<frame>& f, call_args& args) {
  args.positional.reserve(e.items.size());
  for (const expr_ptr& item : e.items) {
    auto v = eval(*item, f);
    if (!v) return v.error();
    args.positional.push_back(std::move(*v));
  }
  if (e.c) {
    auto star = eval(*e.c, f);
    if (!star) return star.error();
    auto items = iterate(*star);
    if (!items || !star->is_list()) {
      return error_at(e.c->pos,
                      fmt::format("argument after * must be a list, not {}", star->type_name()));
    }
    for (value& v : *items) args.positional.push_back(std::move(v));
  }
  for (const auto& [k, item] : e.keywords) {
    auto v = eval(*item, f);
    if (!v) return v.error();
    args.keyword.emplace_back(k, std::move(*v));
  }
  if (e.d) {
    auto dstar = eval(*e.d, f);
    if (!dstar) return dstar.error();
    if (!dstar->is_dict()) {
      return error_at(
          e.d->pos, fmt::format("argument after ** must be a mapping, not {}", dstar->type_name()));
    }
    for (const auto& [k, v] : dstar->as_dict()) {
      if (args.find_keyword(k)) {
        return error_at(e.d->pos, fmt::format("got multiple values for keyword argument '{}'", k));
      }
      args.keyword.emplace_back(k, v);
    }
  }
  return {};
}

gg::result<value> renderer::eval_call(const expr& e, const std::shared_ptr<frame>& f) {
  value callee;
  if (e.a->kind == expr_kind::attr) {
    // obj.method(...) on a str, list or dict calls the method without binding it first.
    auto obj = eval(*e.a->a, f);
    if (!obj) return obj;
    if (auto st = require_defined(*e.a->a, *obj); !st) return st.error();
    if (has_method(*obj, e.a->name)) {
      call_args args;
      if (auto st = eval_args(e, f, args); !st) return st.error();
      auto r = call_method(*obj, e.a->name, args, limits_);
      if (!r) return wrap(e.pos, r.error());
      if (r->is_string()) {
        if (auto st = check_output(r->as_string(), e.pos); !st) return st.error();
      }
      return r;
    }
    auto attr = get_attr(*e.a, *obj, e.a->name);
    if (!attr) return attr;
    if (attr->is_undefined() && (obj->is_string() || obj->is_list() || obj->is_dict())) {
      return error_at(
          e.a->pos, fmt::format("'{}' object has no attribute '{}'", obj->type_name(), e.a->name));
    }
    callee = std::move(*attr);
  } else {
    auto v = eval(*e.a, f);
    if (!v) return v;
    callee = std::move(*v);
  }
  if (auto st = require_defined(*e.a, callee); !st) return st.error();
  call_args args;
  if (auto st = eval_args(e, f, args); !st) return st.error();
  if (callee.is_function() && callee.as_function() == return_function()) {
    if (macro_depth_ == 0) return error_at(e.pos, "return() used outside a macro");
    if (args.positional.size() + args.keyword.size() > 1) {
      return error_at(e.pos, "return() takes at most one argument");
    }
    returning_ = true;
    return_value_ = !args.positional.empty() ? args.positional[0]
                    : !args.keyword.empty()  ? args.keyword[0].second
                                             : value::none();
    return value();
  }
  return invoke(e, callee, args);
}

gg::result<value> renderer::invoke(const expr& at, const value& fn, call_args& args) {
  if (fn.is_function()) {
    const function& f = *fn.as_function();
    if (f.macro) return call_macro(*f.macro, args, &at.pos);
    if (f.native) {
      auto r = f.native(args);
      if (!r) return wrap(at.pos, r.error());
      return r;
    }
  }
  if (fn.is_object() && fn.as_object()->callable()) {
    auto r = fn.as_object()->call(args);
    if (!r) return wrap(at.pos, r.error());
    return r;
  }
  return error_at(at.pos, fmt::format("'{}' object is not callable", fn.type_name()));
}

gg::result<value> renderer::call_macro(const macro& m, call_args& args, const position* at) {
  const macro_decl& d = *m.decl;
  auto here = [&](std::string message) -> gg::error {
    if (at) return error_at(*at, message);
    // Called from C++ (environment::call): name the macro's own definition.
    return detail::error_at(m.owner ? m.owner->name : std::string(), d.pos, message);
  };
  if (thread_macro_depth >= limits_.max_depth) {
    return here(
        fmt::format("macro calls nested deeper than the limit of {} (runaway recursion "
                    "in '{}'?)",
                    limits_.max_depth, d.name));
  }
  auto f = std::make_shared<frame>();
  f->parent = m.closure.lock();
  std::size_t n = d.params.size();
  if (args.positional.size() > n && !d.uses_varargs) {
    return here(fmt::format("macro '{}' takes not more than {} argument(s)", d.name, n));
  }
  list varargs;
  for (std::size_t i = n; i < args.positional.size(); ++i) varargs.push_back(args.positional[i]);
  dict kwargs;
  value caller;
  for (auto& [k, v] : args.keyword) {
    if (k == "caller") {
      if (!d.uses_caller) {
        return here(
            fmt::format("macro '{}' was called with a {{% call %}} block but does not "
                        "use caller()",
                        d.name));
      }
      caller = v;
      continue;
    }
    bool is_param = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (d.params[i].name == k) {
        is_param = true;
        if (i < args.positional.size()) {
          return here(fmt::format("macro '{}' got multiple values for argument '{}'", d.name, k));
        }
      }
    }
    if (!is_param) {
      if (!d.uses_kwargs) {
        return here(fmt::format("macro '{}' takes no keyword argument '{}'", d.name, k));
      }
      kwargs.set(k, v);
    }
  }
  const template_body* saved_template = current_;
  std::shared_ptr<const template_body> saved_owner = owner_;
  current_ = m.owner.get();
  owner_ = m.owner;
  ++macro_depth_;
  ++thread_macro_depth;
  auto restore = [&] {
    current_ = saved_template;
    owner_ = std::move(saved_owner);
    --macro_depth_;
    --thread_macro_depth;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const parameter& p = d.params[i];
    if (i < args.positional.size()) {
      f->set(p.name, args.positional[i]);
    } else if (const value* kv = args.find_keyword(p.name)) {
      f->set(p.name, *kv);
    } else if (p.default_value) {
      auto v = eval(*p.default_value, f);
      if (!v) {
        restore();
        return v;
      }
      f->set(p.name, std::move(*v));
    } else {
      f->set(p.name, value());
    }
  }
  if (d.uses_varargs) f->set("varargs", value::make_tuple(std::move(varargs)));
  if (d.uses_kwargs) f->set("kwargs", value(std::move(kwargs)));
  if (d.uses_caller) f->set("caller", std::move(caller));
  std::string out;
  gg::status st = exec(d.body, f, out);
  restore();
  if (!st) return st.error();
  if (returning_) {
    returning_ = false;
    return std::move(return_value_);
  }
  return value(std::move(out));
}

gg::result<value> renderer::eval_filter(const expr& e, const value* subject,
                                        const std::shared_ptr<frame>& f) {
  value input;
  if (e.a && subject && e.a->kind == expr_kind::filter) {
    // A chain in {% filter a|b %} or {% set x | a | b %}: the block's text feeds the innermost.
    auto v = eval_filter(*e.a, subject, f);
    if (!v) return v;
    input = std::move(*v);
  } else if (e.a) {
    auto v = eval(*e.a, f);
    if (!v) return v;
    input = std::move(*v);
  } else if (subject) {
    input = *subject;
  }
  call_args args;
  if (auto st = eval_args(e, f, args); !st) return st.error();
  auto r = apply_filter(e.name, input, args, limits_);
  if (!r) {
    // A filter applied to an undefined value fails as the undefined itself would.
    if (e.a && input.is_undefined()) {
      if (auto st = require_defined(*e.a, input); !st) return st.error();
    }
    return wrap(e.pos, r.error());
  }
  if (r->is_string()) {
    if (auto st = check_output(r->as_string(), e.pos); !st) return st.error();
  }
  return r;
}

}  // namespace gg::transform::jinja::detail

#include "parser.hpp"

#include "builtins.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace gg::transform::jinja::detail {
namespace {

// Nesting beyond this (brackets, operators, blocks) is refused rather than risking the stack.
constexpr int max_nesting = 200;

std::string describe_token(const token& t) {
  switch (t.kind) {
    case token_kind::data:
      return "template data";
    case token_kind::var_begin:
      return "'begin of print statement'";
    case token_kind::var_end:
      return "'end of print statement'";
    case token_kind::block_begin:
      return "'begin of statement block'";
    case token_kind::block_end:
      return "'end of statement block'";
    case token_kind::name:
      return "'" + t.text + "'";
    case token_kind::string:
      return "string";
    case token_kind::integer:
      return "integer";
    case token_kind::floating:
      return "float";
    case token_kind::op:
      return "'" + t.text + "'";
    case token_kind::eof:
      return "end of template";
  }
  return "token";
}

class parser {
 public:
  parser(std::string name, std::vector<token> tokens)
      : name_(std::move(name)), toks_(std::move(tokens)) {}

  gg::result<std::shared_ptr<template_body>> run() {
    auto result = std::make_shared<template_body>();
    result->name = name_;
    std::string end;
    if (!subparse(result->root, {}, end)) return *err_;
    return result;
  }

 private:
  // ---- token stream ----
  const token& cur() const { return toks_[i_]; }
  const token& peek(std::size_t n = 1) const { return toks_[std::min(i_ + n, toks_.size() - 1)]; }
  void next() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  bool is_op(std::string_view op) const { return cur().kind == token_kind::op && cur().text == op; }
  bool is_name(std::string_view n) const {
    return cur().kind == token_kind::name && cur().text == n;
  }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }

  bool fail(position pos, std::string message) {
    if (!err_) err_ = error_at(name_, pos, message);
    return false;
  }
  bool fail_here(std::string message) { return fail(cur().pos, std::move(message)); }
  bool unexpected(std::string_view expected) {
    if (cur().kind == token_kind::eof) {
      return fail_here(fmt::format("unexpected end of template, expected {}", expected));
    }
    return fail_here(fmt::format("expected {}, got {}", expected, describe_token(cur())));
  }
  bool expect_op(std::string_view op) {
    if (skip_op(op)) return true;
    return unexpected(fmt::format("'{}'", op));
  }
  bool expect_block_end() {
    if (cur().kind == token_kind::block_end) {
      next();
      return true;
    }
    return unexpected("'end of statement block'");
  }
  std::optional<std::string> expect_identifier() {
    if (cur().kind != token_kind::name) {
      unexpected("a name");
      return std::nullopt;
    }
    std::string n = cur().text;
    next();
    return n;
  }

  // ---- statements ----

  // Parses until one of `ends` (a tag name) opens a block; leaves the stream on that name.
  // With no ends, parses to the end of the template.
  bool subparse(body& out, std::initializer_list<std::string_view> ends, std::string& found) {
    if (++depth_ > max_nesting) return fail_here("blocks nested too deeply");
    while (true) {
      const token& t = cur();
      switch (t.kind) {
        case token_kind::eof:
          --depth_;
          if (ends.size() == 0) return true;
          {
            std::string names;
            for (std::string_view e : ends) {
              if (!names.empty()) names += " or ";
              names += fmt::format("'{}'", e);
            }
            return fail_here(
                fmt::format("unexpected end of template: the '{}' block opened at {}:{} needs {}",
                            open_tags_.back().first, open_tags_.back().second.line,
                            open_tags_.back().second.column, names));
          }
        case token_kind::data: {
          stmt s;
          s.kind = stmt_kind::text;
          s.pos = t.pos;
          s.text = t.text;
          out.push_back(std::move(s));
          next();
          break;
        }
        case token_kind::var_begin: {
          stmt s;
          s.kind = stmt_kind::output;
          s.pos = t.pos;
          next();
          s.e = parse_tuple(false, {});
          if (!s.e) return false;
          if (cur().kind != token_kind::var_end) return unexpected("'end of print statement'");
          next();
          out.push_back(std::move(s));
          break;
        }
        case token_kind::block_begin: {
          next();
          if (cur().kind != token_kind::name) return unexpected("a tag name");
          for (std::string_view e : ends) {
            if (cur().text == e) {
              found = cur().text;
              --depth_;
              return true;
            }
          }
          if (!parse_statement(out)) return false;
          break;
        }
        default:
          return unexpected("template data or a tag");
      }
    }
  }

  bool parse_statement(body& out) {
    const token& t = cur();
    const std::string tag = t.text;
    position pos = t.pos;
    if (tag == "if") return parse_if(out, pos);
    if (tag == "for") return parse_for(out, pos);
    if (tag == "set") return parse_set(out, pos);
    if (tag == "macro" || tag == "test") return parse_macro(out, pos, tag);
    if (tag == "call") return parse_call_block(out, pos);
    if (tag == "do") {
      next();
      stmt s;
      s.kind = stmt_kind::do_;
      s.pos = pos;
      s.e = parse_tuple(false, {});
      if (!s.e || !expect_block_end()) return false;
      out.push_back(std::move(s));
      return true;
    }
    if (tag == "filter") return parse_filter_block(out, pos);
    if (tag == "with") return parse_with(out, pos);
    static constexpr std::string_view unsupported[] = {
        "include",  "import",     "from",  "extends",   "block",           "break",
        "continue", "autoescape", "trans", "pluralize", "materialization", "snapshot",
        "docs",     "endraw",     "print", "debug"};
    for (std::string_view u : unsupported) {
      if (tag == u) return fail(pos, fmt::format("unsupported tag '{}'", tag));
    }
    static constexpr std::string_view enders[] = {"endif",     "elif",     "else",    "endfor",
                                                  "endset",    "endmacro", "endcall", "endtest",
                                                  "endfilter", "endwith",  "endblock"};
    for (std::string_view e : enders) {
      if (tag == e) {
        if (open_tags_.empty()) return fail(pos, fmt::format("unexpected tag '{}'", tag));
        return fail(pos, fmt::format("unexpected tag '{}' inside the '{}' block opened at {}:{}",
                                     tag, open_tags_.back().first, open_tags_.back().second.line,
                                     open_tags_.back().second.column));
      }
    }
    return fail(pos, fmt::format("unknown tag '{}'", tag));
  }

  struct open_guard {
    parser& p;
    open_guard(parser& owner, std::string tag, position pos) : p(owner) {
      p.open_tags_.emplace_back(std::move(tag), pos);
    }
    ~open_guard() { p.open_tags_.pop_back(); }
  };

  bool parse_if(body& out, position pos) {
    open_guard guard(*this, "if", pos);
    stmt s;
    s.kind = stmt_kind::if_;
    s.pos = pos;
    next();
    while (true) {
      expr_ptr cond = parse_tuple(false, {}, false);
      if (!cond || !expect_block_end()) return false;
      body b;
      std::string found;
      if (!subparse(b, {"elif", "else", "endif"}, found)) return false;
      s.branches.emplace_back(std::move(cond), std::move(b));
      next();
      if (found == "elif") continue;
      if (found == "else") {
        if (!expect_block_end()) return false;
        if (!subparse(s.else_body, {"endif"}, found)) return false;
        next();
      }
      break;
    }
    if (!expect_block_end()) return false;
    out.push_back(std::move(s));
    return true;
  }

  // A name, `a, b` (tuple unpacking), `(a, b)`, or with `allow_attr` `ns.attr`.
  bool parse_target(target& t, bool allow_attr, std::string_view stop_name) {
    t.pos = cur().pos;
    bool paren = skip_op("(");
    while (true) {
      auto n = expect_identifier();
      if (!n) return false;
      t.names.push_back(std::move(*n));
      if (allow_attr && !paren && t.names.size() == 1 && is_op(".")) {
        next();
        auto a = expect_identifier();
        if (!a) return false;
        t.attr = std::move(*a);
        return true;
      }
      if (!skip_op(",")) break;
      t.tuple = true;
      if (paren && is_op(")")) break;
      if (!paren && (is_op("=") || is_name(stop_name) || cur().kind == token_kind::block_end))
        break;
    }
    if (paren) {
      t.tuple = true;
      if (!expect_op(")")) return false;
    }
    for (const std::string& n : t.names) {
      if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" ||
          n == "None") {
        return fail(t.pos, fmt::format("cannot assign to '{}'", n));
      }
    }
    return true;
  }

  bool parse_for(body& out, position pos) {
    open_guard guard(*this, "for", pos);
    stmt s;
    s.kind = stmt_kind::for_;
    s.pos = pos;
    next();
    if (!parse_target(s.tgt, false, "in")) return false;
    if (!skip_name("in")) return unexpected("'in'");
    s.e = parse_tuple(false, {"recursive", "if"}, false);
    if (!s.e) return false;
    if (is_name("recursive")) return fail_here("unsupported: recursive loops");
    if (skip_name("if")) {
      s.cond = parse_expression(true);
      if (!s.cond) return false;
    }
    if (!expect_block_end()) return false;
    std::string found;
    if (!subparse(s.inner, {"endfor", "else"}, found)) return false;
    next();
    if (found == "else") {
      if (!expect_block_end()) return false;
      if (!subparse(s.else_body, {"endfor"}, found)) return false;
      next();
    }
    if (!expect_block_end()) return false;
    out.push_back(std::move(s));
    return true;
  }

  bool parse_set(body& out, position pos) {
    open_guard guard(*this, "set", pos);
    stmt s;
    s.pos = pos;
    next();
    if (!parse_target(s.tgt, true, "")) return false;
    if (skip_op("=")) {
      s.kind = stmt_kind::set;
      s.e = parse_tuple(false, {});
      if (!s.e || !expect_block_end()) return false;
      out.push_back(std::move(s));
      return true;
    }
    if (s.tgt.tuple || !s.tgt.attr.empty()) {
      return fail_here("a block set assigns to a single name");
    }
    s.kind = stmt_kind::set_block;
    if (is_op("|")) {
      s.e = parse_filter(nullptr, false);
      if (!s.e) return false;
    }
    if (!expect_block_end()) return false;
    std::string found;
    if (!subparse(s.inner, {"endset"}, found)) return false;
    next();
    if (!expect_block_end()) return false;
    out.push_back(std::move(s));
    return true;
  }

  bool parse_signature(macro_decl& m) {
    if (!expect_op("(")) return false;
    bool defaults_started = false;
    while (!is_op(")")) {
      if (!m.params.empty() && !expect_op(",")) return false;
      if (is_op(")")) break;
      parameter p;
      position ppos = cur().pos;
      auto n = expect_identifier();
      if (!n) return false;
      p.name = std::move(*n);
      for (const parameter& q : m.params) {
        if (q.name == p.name) return fail(ppos, fmt::format("duplicate argument '{}'", p.name));
      }
      if (skip_op("=")) {
        p.default_value = parse_expression(true);
        if (!p.default_value) return false;
        defaults_started = true;
      } else if (defaults_started) {
        return fail(ppos, "non-default argument follows default argument");
      }
      m.params.push_back(std::move(p));
    }
    next();
    return true;
  }

  bool parse_macro(body& out, position pos, const std::string& tag) {
    open_guard guard(*this, tag, pos);
    next();
    auto decl = std::make_shared<macro_decl>();
    decl->pos = pos;
    auto n = expect_identifier();
    if (!n) return false;
    decl->name = tag == "test" ? "test_" + *n : *n;
    if (!parse_signature(*decl) || !expect_block_end()) return false;
    macros_.push_back(decl.get());
    std::string found;
    bool ok = subparse(decl->body, {tag == "test" ? "endtest" : "endmacro"}, found);
    macros_.pop_back();
    if (!ok) return false;
    next();
    if (!expect_block_end()) return false;
    stmt s;
    s.kind = stmt_kind::macro;
    s.pos = pos;
    s.macro = std::move(decl);
    out.push_back(std::move(s));
    return true;
  }

  bool parse_call_block(body& out, position pos) {
    open_guard guard(*this, "call", pos);
    next();
    auto decl = std::make_shared<macro_decl>();
    decl->name = "caller";
    decl->pos = pos;
    if (is_op("(")) {
      if (!parse_signature(*decl)) return false;
    }
    stmt s;
    s.kind = stmt_kind::call_block;
    s.pos = pos;
    s.e = parse_expression(true);
    if (!s.e) return false;
    if (s.e->kind != expr_kind::call) return fail(s.e->pos, "expected a call after 'call'");
    if (!expect_block_end()) return false;
    macros_.push_back(decl.get());
    std::string found;
    bool ok = subparse(decl->body, {"endcall"}, found);
    macros_.pop_back();
    if (!ok) return false;
    next();
    if (!expect_block_end()) return false;
    s.macro = std::move(decl);
    out.push_back(std::move(s));
    return true;
  }

  bool parse_filter_block(body& out, position pos) {
    open_guard guard(*this, "filter", pos);
    next();
    stmt s;
    s.kind = stmt_kind::filter;
    s.pos = pos;
    s.e = parse_filter(nullptr, true);
    if (!s.e || !expect_block_end()) return false;
    std::string found;
    if (!subparse(s.inner, {"endfilter"}, found)) return false;
    next();
    if (!expect_block_end()) return false;
    out.push_back(std::move(s));
    return true;
  }

  bool parse_with(body& out, position pos) {
    open_guard guard(*this, "with", pos);
    next();
    stmt s;
    s.kind = stmt_kind::with;
    s.pos = pos;
    while (cur().kind != token_kind::block_end) {
      if (!s.assignments.empty() && !expect_op(",")) return false;
      target t;
      if (!parse_target(t, false, "")) return false;
      if (!expect_op("=")) return false;
      expr_ptr e = parse_expression(true);
      if (!e) return false;
      s.assignments.emplace_back(std::move(t), std::move(e));
    }
    next();
    std::string found;
    if (!subparse(s.inner, {"endwith"}, found)) return false;
    next();
    if (!expect_block_end()) return false;
    out.push_back(std::move(s));
    return true;
  }

  // ---- expressions ----

  expr_ptr make(expr_kind k, position pos) {
    auto e = std::make_unique<expr>();
    e->kind = k;
    e->pos = pos;
    return e;
  }

  struct depth_guard {
    parser& p;
    explicit depth_guard(parser& owner) : p(owner) { ++p.expr_depth_; }
    ~depth_guard() { --p.expr_depth_; }
  };

  bool at_tuple_end(std::initializer_list<std::string_view> extra) const {
    const token& t = cur();
    if (t.kind == token_kind::var_end || t.kind == token_kind::block_end ||
        t.kind == token_kind::eof) {
      return true;
    }
    if (t.kind == token_kind::op &&
        (t.text == ")" || t.text == "]" || t.text == "}" || t.text == "=")) {
      return true;
    }
    if (t.kind == token_kind::name) {
      for (std::string_view e : extra) {
        if (t.text == e) return true;
      }
    }
    return false;
  }

  // An expression, or a tuple when commas separate several (`a, b`).
  expr_ptr parse_tuple(bool explicit_parens, std::initializer_list<std::string_view> extra,
                       bool with_condexpr = true) {
    position pos = cur().pos;
    std::vector<expr_ptr> items;
    bool comma = false;
    while (true) {
      if (!items.empty()) {
        if (!skip_op(",")) break;
        comma = true;
      }
      if (at_tuple_end(extra)) break;
      expr_ptr e = parse_expression(with_condexpr);
      if (!e) return nullptr;
      items.push_back(std::move(e));
    }
    if (items.empty()) {
      if (!explicit_parens) {
        unexpected("an expression");
        return nullptr;
      }
    } else if (items.size() == 1 && !comma) {
      return std::move(items[0]);
    }
    expr_ptr t = make(expr_kind::tuple, pos);
    t->items = std::move(items);
    return t;
  }

  expr_ptr parse_expression(bool with_condexpr) {
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  expr_ptr parse_condexpr() {
    depth_guard g(*this);
    if (expr_depth_ > max_nesting) return too_deep();
    position pos = cur().pos;
    expr_ptr e = parse_or();
    if (!e) return nullptr;
    while (is_name("if")) {
      next();
      expr_ptr cond = parse_or();
      if (!cond) return nullptr;
      expr_ptr other;
      if (skip_name("else")) {
        other = parse_condexpr();
        if (!other) return nullptr;
      }
      expr_ptr c = make(expr_kind::condition, pos);
      c->a = std::move(e);
      c->b = std::move(cond);
      c->c = std::move(other);
      e = std::move(c);
    }
    return e;
  }

  expr_ptr too_deep() {
    fail_here("expression nested too deeply");
    return nullptr;
  }

  expr_ptr parse_or() {
    expr_ptr left = parse_and();
    if (!left) return nullptr;
    while (is_name("or")) {
      position pos = cur().pos;
      next();
      expr_ptr right = parse_and();
      if (!right) return nullptr;
      expr_ptr n = make(expr_kind::or_, pos);
      n->a = std::move(left);
      n->b = std::move(right);
      left = std::move(n);
    }
    return left;
  }

  expr_ptr parse_and() {
    expr_ptr left = parse_not();
    if (!left) return nullptr;
    while (is_name("and")) {
      position pos = cur().pos;
      next();
      expr_ptr right = parse_not();
      if (!right) return nullptr;
      expr_ptr n = make(expr_kind::and_, pos);
      n->a = std::move(left);
      n->b = std::move(right);
      left = std::move(n);
    }
    return left;
  }

  expr_ptr parse_not() {
    if (is_name("not")) {
      depth_guard g(*this);
      if (expr_depth_ > max_nesting) return too_deep();
      position pos = cur().pos;
      next();
      expr_ptr inner = parse_not();
      if (!inner) return nullptr;
      expr_ptr n = make(expr_kind::not_, pos);
      n->a = std::move(inner);
      return n;
    }
    return parse_compare();
  }

  expr_ptr parse_compare() {
    position pos = cur().pos;
    expr_ptr left = parse_math1();
    if (!left) return nullptr;
    expr_ptr cmp;
    while (true) {
      std::optional<binary_op> op;
      const token& t = cur();
      if (t.kind == token_kind::op) {
        if (t.text == "==") op = binary_op::eq;
        if (t.text == "!=") op = binary_op::ne;
        if (t.text == "<") op = binary_op::lt;
        if (t.text == "<=") op = binary_op::le;
        if (t.text == ">") op = binary_op::gt;
        if (t.text == ">=") op = binary_op::ge;
        if (op) next();
      } else if (is_name("in")) {
        op = binary_op::in;
        next();
      } else if (is_name("not") && peek().kind == token_kind::name && peek().text == "in") {
        op = binary_op::not_in;
        next();
        next();
      }
      if (!op) break;
      expr_ptr right = parse_math1();
      if (!right) return nullptr;
      if (!cmp) {
        cmp = make(expr_kind::compare, pos);
        cmp->a = std::move(left);
      }
      cmp->ops.push_back(*op);
      cmp->items.push_back(std::move(right));
    }
    return cmp ? std::move(cmp) : std::move(left);
  }

  expr_ptr binary(binary_op op, position pos, expr_ptr a, expr_ptr b) {
    expr_ptr n = make(expr_kind::binary, pos);
    n->op = op;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  expr_ptr parse_math1() {
    expr_ptr left = parse_concat();
    if (!left) return nullptr;
    while (is_op("+") || is_op("-")) {
      binary_op op = is_op("+") ? binary_op::add : binary_op::sub;
      position pos = cur().pos;
      next();
      expr_ptr right = parse_concat();
      if (!right) return nullptr;
      left = binary(op, pos, std::move(left), std::move(right));
    }
    return left;
  }

  expr_ptr parse_concat() {
    position pos = cur().pos;
    expr_ptr first = parse_math2();
    if (!first) return nullptr;
    if (!is_op("~")) return first;
    expr_ptr n = make(expr_kind::concat, pos);
    n->items.push_back(std::move(first));
    while (skip_op("~")) {
      expr_ptr e = parse_math2();
      if (!e) return nullptr;
      n->items.push_back(std::move(e));
    }
    return n;
  }

  expr_ptr parse_math2() {
    expr_ptr left = parse_pow();
    if (!left) return nullptr;
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      binary_op op = is_op("*")    ? binary_op::mul
                     : is_op("/")  ? binary_op::div
                     : is_op("//") ? binary_op::floordiv
                                   : binary_op::mod;
      position pos = cur().pos;
      next();
      expr_ptr right = parse_pow();
      if (!right) return nullptr;
      left = binary(op, pos, std::move(left), std::move(right));
    }
    return left;
  }

  expr_ptr parse_pow() {
    expr_ptr left = parse_unary(true);
    if (!left) return nullptr;
    while (is_op("**")) {
      position pos = cur().pos;
      next();
      expr_ptr right = parse_unary(true);
      if (!right) return nullptr;
      left = binary(binary_op::pow, pos, std::move(left), std::move(right));
    }
    return left;
  }

  expr_ptr parse_unary(bool with_filter) {
    depth_guard g(*this);
    if (expr_depth_ > max_nesting) return too_deep();
    position pos = cur().pos;
    expr_ptr node;
    if (is_op("-") || is_op("+")) {
      expr_kind k = is_op("-") ? expr_kind::neg : expr_kind::pos;
      next();
      expr_ptr inner = parse_unary(false);
      if (!inner) return nullptr;
      node = make(k, pos);
      node->a = std::move(inner);
    } else {
      node = parse_primary();
      if (!node) return nullptr;
    }
    node = parse_postfix(std::move(node));
    if (!node) return nullptr;
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  expr_ptr parse_primary() {
    const token& t = cur();
    position pos = t.pos;
    switch (t.kind) {
      case token_kind::name: {
        const std::string& n = t.text;
        expr_ptr e = make(expr_kind::literal, pos);
        if (n == "true" || n == "True") {
          e->literal = value(true);
        } else if (n == "false" || n == "False") {
          e->literal = value(false);
        } else if (n == "none" || n == "None") {
          e->literal = value::none();
        } else {
          e->kind = expr_kind::name;
          e->name = n;
          if (!macros_.empty()) {
            if (n == "varargs") macros_.back()->uses_varargs = true;
            if (n == "kwargs") macros_.back()->uses_kwargs = true;
            if (n == "caller") macros_.back()->uses_caller = true;
          }
        }
        next();
        return e;
      }
      case token_kind::string: {
        std::string s = t.text;
        next();
        while (cur().kind == token_kind::string) {
          s += cur().text;
          next();
        }
        expr_ptr e = make(expr_kind::literal, pos);
        e->literal = value(std::move(s));
        return e;
      }
      case token_kind::integer: {
        expr_ptr e = make(expr_kind::literal, pos);
        e->literal = value(static_cast<long long>(t.i));
        next();
        return e;
      }
      case token_kind::floating: {
        expr_ptr e = make(expr_kind::literal, pos);
        e->literal = value(t.f);
        next();
        return e;
      }
      case token_kind::op:
        if (t.text == "(") {
          next();
          expr_ptr e = parse_tuple(true, {});
          if (!e || !expect_op(")")) return nullptr;
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    unexpected("an expression");
    return nullptr;
  }

  expr_ptr parse_list() {
    expr_ptr e = make(expr_kind::list, cur().pos);
    next();
    while (!is_op("]")) {
      if (!e->items.empty() && !expect_op(",")) return nullptr;
      if (is_op("]")) break;
      expr_ptr item = parse_expression(true);
      if (!item) return nullptr;
      e->items.push_back(std::move(item));
    }
    next();
    return e;
  }

  expr_ptr parse_dict() {
    expr_ptr e = make(expr_kind::dict, cur().pos);
    next();
    while (!is_op("}")) {
      if (!e->pairs.empty() && !expect_op(",")) return nullptr;
      if (is_op("}")) break;
      expr_ptr k = parse_expression(true);
      if (!k || !expect_op(":")) return nullptr;
      expr_ptr v = parse_expression(true);
      if (!v) return nullptr;
      e->pairs.emplace_back(std::move(k), std::move(v));
    }
    next();
    return e;
  }

  expr_ptr parse_postfix(expr_ptr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        break;
      }
      if (!node) return nullptr;
    }
    return node;
  }

  expr_ptr parse_filter_expr(expr_ptr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filter(std::move(node), false);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        break;
      }
      if (!node) return nullptr;
    }
    return node;
  }

  expr_ptr parse_subscript(expr_ptr node) {
    position pos = cur().pos;
    if (skip_op(".")) {
      if (cur().kind == token_kind::name) {
        expr_ptr e = make(expr_kind::attr, pos);
        e->a = std::move(node);
        e->name = cur().text;
        next();
        return e;
      }
      if (cur().kind == token_kind::integer) {
        expr_ptr e = make(expr_kind::item, pos);
        e->a = std::move(node);
        e->b = make(expr_kind::literal, cur().pos);
        e->b->literal = value(static_cast<long long>(cur().i));
        next();
        return e;
      }
      unexpected("a name after '.'");
      return nullptr;
    }
    next();  // '['
    std::vector<expr_ptr> parts;
    bool any_slice = false;
    while (true) {
      if (!parts.empty() && !skip_op(",")) break;
      if (is_op("]")) break;
      expr_ptr part = parse_subscribed(any_slice);
      if (!part) return nullptr;
      parts.push_back(std::move(part));
    }
    if (!expect_op("]")) return nullptr;
    if (parts.empty()) {
      fail(pos, "expected a subscript");
      return nullptr;
    }
    if (parts.size() > 1) {
      fail(pos, "unsupported: tuple subscripts");
      return nullptr;
    }
    expr_ptr sub = std::move(parts[0]);
    if (sub->kind == expr_kind::slice && sub->a == nullptr) {
      sub->a = std::move(node);
      return sub;
    }
    expr_ptr e = make(expr_kind::item, pos);
    e->a = std::move(node);
    e->b = std::move(sub);
    return e;
  }

  // One subscript: an expression, or a slice `[start]:[stop][:step]` returned as a slice node
  // with a null subject.
  expr_ptr parse_subscribed(bool& any_slice) {
    position pos = cur().pos;
    expr_ptr start;
    if (!is_op(":")) {
      start = parse_expression(true);
      if (!start) return nullptr;
      if (!is_op(":")) return start;
    }
    any_slice = true;
    next();  // ':'
    expr_ptr e = make(expr_kind::slice, pos);
    e->b = std::move(start);
    if (!is_op("]") && !is_op(",") && !is_op(":")) {
      e->c = parse_expression(true);
      if (!e->c) return nullptr;
    }
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) {
        e->d = parse_expression(true);
        if (!e->d) return nullptr;
      }
    }
    return e;
  }

  // Call arguments: positional, name=value, *args, **kwargs (into items/keywords/c/d of e).
  bool parse_args(expr& e) {
    if (!expect_op("(")) return false;
    while (!is_op(")")) {
      if (!(e.items.empty() && e.keywords.empty() && !e.c && !e.d) && !expect_op(",")) {
        return false;
      }
      if (is_op(")")) break;
      if (skip_op("*")) {
        e.c = parse_expression(true);
        if (!e.c) return false;
      } else if (skip_op("**")) {
        e.d = parse_expression(true);
        if (!e.d) return false;
      } else if (cur().kind == token_kind::name && peek().kind == token_kind::op &&
                 peek().text == "=") {
        std::string key = cur().text;
        position kpos = cur().pos;
        next();
        next();
        for (const auto& kw : e.keywords) {
          if (kw.first == key) return fail(kpos, fmt::format("keyword argument repeated: {}", key));
        }
        expr_ptr v = parse_expression(true);
        if (!v) return false;
        e.keywords.emplace_back(std::move(key), std::move(v));
      } else {
        if (!e.keywords.empty() || e.d) {
          return fail_here("positional argument follows keyword argument");
        }
        expr_ptr v = parse_expression(true);
        if (!v) return false;
        e.items.push_back(std::move(v));
      }
    }
    next();
    return true;
  }

  expr_ptr parse_call(expr_ptr node) {
    expr_ptr e = make(expr_kind::call, cur().pos);
    e->pos = node->pos;
    e->a = std::move(node);
    if (!parse_args(*e)) return nullptr;
    return e;
  }

  std::optional<std::string> dotted_name() {
    auto n = expect_identifier();
    if (!n) return std::nullopt;
    while (is_op(".")) {
      next();
      auto more = expect_identifier();
      if (!more) return std::nullopt;
      *n += "." + *more;
    }
    return n;
  }

  // `|f|g(...)` applied to node (null inside {% filter %} and block set).
  expr_ptr parse_filter(expr_ptr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      start_inline = false;
      position pos = cur().pos;
      auto n = dotted_name();
      if (!n) return nullptr;
      if (!is_filter(*n)) {
        fail(pos, fmt::format("unknown filter '{}'", *n));
        return nullptr;
      }
      expr_ptr f = make(expr_kind::filter, pos);
      f->name = std::move(*n);
      f->a = std::move(node);
      if (is_op("(") && !parse_args(*f)) return nullptr;
      node = std::move(f);
    }
    return node;
  }

  expr_ptr parse_test(expr_ptr node) {
    position pos = cur().pos;
    next();  // 'is'
    bool negated = skip_name("not");
    position name_pos = cur().pos;
    auto n = dotted_name();
    if (!n) return nullptr;
    if (!is_test(*n)) {
      fail(name_pos, fmt::format("unknown test '{}'", *n));
      return nullptr;
    }
    expr_ptr t = make(expr_kind::test, pos);
    t->name = std::move(*n);
    t->negated = negated;
    t->a = std::move(node);
    if (is_op("(")) {
      if (!parse_args(*t)) return nullptr;
    } else {
      const token& c = cur();
      bool starts_arg =
          c.kind == token_kind::string || c.kind == token_kind::integer ||
          c.kind == token_kind::floating ||
          (c.kind == token_kind::op && (c.text == "[" || c.text == "{")) ||
          (c.kind == token_kind::name && c.text != "else" && c.text != "or" && c.text != "and");
      if (starts_arg) {
        if (c.kind == token_kind::name && c.text == "is") {
          fail_here("you cannot chain multiple tests with is");
          return nullptr;
        }
        expr_ptr arg = parse_primary();
        if (!arg) return nullptr;
        arg = parse_postfix(std::move(arg));
        if (!arg) return nullptr;
        t->items.push_back(std::move(arg));
      }
    }
    return t;
  }

  std::string name_;
  std::vector<token> toks_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int expr_depth_ = 0;
  std::vector<macro_decl*> macros_;
  std::vector<std::pair<std::string, position>> open_tags_;
  std::optional<gg::error> err_;
};

}  // namespace

gg::result<std::shared_ptr<template_body>> parse(std::string name, std::string_view text) {
  auto tokens = lex(name, text);
  if (!tokens) return tokens.error();
  return parser(std::move(name), std::move(*tokens)).run();
}

}  // namespace gg::transform::jinja::detail

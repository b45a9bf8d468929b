#pragma once
// The syntax tree of a template (private to the engine). Every node carries the line and column
// of its first token, so errors found while rendering name the position.

#include "jinja/value.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gg::transform::jinja::detail {

struct position {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

enum class expr_kind : std::uint8_t {
  literal,    // value
  name,       // name
  list,       // items
  tuple,      // items
  dict,       // pairs
  attr,       // a.name
  item,       // a[b]
  slice,      // a[b:c:d] (absent parts are null)
  call,       // a(items, keywords, star=b, dstar=c)
  filter,     // a|name(items, keywords); a is null inside a {% filter %} block
  test,       // a is [not] name(items, keywords); negated
  neg,        // -a
  pos,        // +a
  not_,       // not a
  and_,       // a and b
  or_,        // a or b
  binary,     // a op b
  compare,    // a op0 items[0] op1 items[1] ... (chained as Python)
  concat,     // items joined with ~
  condition,  // a if b else c (c null: undefined)
};

enum class binary_op : std::uint8_t {
  add,
  sub,
  mul,
  div,
  floordiv,
  mod,
  pow,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  not_in,
};

struct expr;
using expr_ptr = std::unique_ptr<expr>;

struct expr {
  expr_kind kind;
  binary_op op = binary_op::add;
  bool negated = false;
  position pos;
  value literal;
  std::string name;
  expr_ptr a, b, c, d;
  std::vector<expr_ptr> items;
  std::vector<std::pair<std::string, expr_ptr>> keywords;
  std::vector<std::pair<expr_ptr, expr_ptr>> pairs;
  std::vector<binary_op> ops;  // compare: one per item
};

struct stmt;
using body = std::vector<stmt>;

/// An assignment target: a name, a tuple of names, or `ns.attr`.
struct target {
  std::vector<std::string> names;  // one name, or several for tuple unpacking
  bool tuple = false;
  std::string attr;  // set: `names[0].attr = ...`
  position pos;
};

struct parameter {
  std::string name;
  expr_ptr default_value;  // null: required
};

struct macro_decl {
  std::string name;  // as written; a {% test %} block registers as "test_" + name
  std::vector<parameter> params;
  std::vector<stmt> body;
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
  position pos;
};

enum class stmt_kind : std::uint8_t {
  text,        // text
  output,      // {{ e }}
  if_,         // branches: (condition, body)...; else_body
  for_,        // for target in e [if cond] ... else ...
  set,         // set target = e
  set_block,   // set target %}...{% endset (optionally | filters in e, applied to a null subject)
  macro,       // macro
  call_block,  // call[(params)] e %}...{% endcall: caller is the macro
  do_,         // do e
  filter,      // filter f %}...{% endfilter: e is a filter chain with a null innermost subject
  with,        // with a=1, b=2 %}...{% endwith: assignments then body
};

struct stmt {
  stmt_kind kind;
  position pos;
  std::string text;
  expr_ptr e;
  expr_ptr cond;  // for: the `if` filter
  target tgt;
  std::vector<std::pair<expr_ptr, body>> branches;
  body inner;
  body else_body;
  std::shared_ptr<macro_decl> macro;
  std::vector<std::pair<target, expr_ptr>> assignments;  // with
};

struct template_body {
  std::string name;
  body root;
};

/// Renders an expression back to source text for messages ("'a.b' is undefined").
std::string describe(const expr& e);

}  // namespace gg::transform::jinja::detail

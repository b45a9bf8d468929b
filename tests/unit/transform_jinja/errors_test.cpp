// Every error names the template, line and column, and says what is wrong.

#include "jinja/environment.hpp"
#include "render_helper.hpp"

#include <catch2/catch.hpp>

namespace jj = gg::transform::jinja;
using jj::test::render_error;

namespace {

std::string parse_error(std::string_view text) {
  auto t = jj::parse_template("m.sql", text);
  if (t) return "<parsed>";
  CHECK(t.error().code == gg::errc::invalid_input);
  return t.error().message;
}

}  // namespace

TEST_CASE("lexing errors name their position", "[unit][transform][jinja]") {
  CHECK(parse_error("a\n{# never closed") == "m.sql:2:1: missing end of comment tag");
  CHECK(parse_error("{{ 'open }}") == "m.sql:1:4: unterminated string");
  CHECK(parse_error("x {{ a $ b }}") == "m.sql:1:8: unexpected char '$'");
  CHECK(parse_error("x\n  {{ a") ==
        "m.sql:2:3: unexpected end of template, expected 'end of print statement'");
  CHECK(parse_error("{% if x %") ==
        "m.sql:1:1: unexpected end of template, expected 'end of statement block'");
  CHECK(parse_error("{{ (a ]}}") == "m.sql:1:7: unexpected ']'");
  CHECK(parse_error("{% raw %}abc") == "m.sql:1:1: missing end of raw directive");
  CHECK(parse_error("{{ 99999999999999999999 }}") ==
        "m.sql:1:4: integer literal out of range (64-bit)");
}

TEST_CASE("unknown and unsupported constructs are errors, never passed through",
          "[unit][transform][jinja]") {
  CHECK(parse_error("ok\n{% frobnicate x %}") == "m.sql:2:4: unknown tag 'frobnicate'");
  CHECK(parse_error("{% include 'x.sql' %}") == "m.sql:1:4: unsupported tag 'include'");
  CHECK(parse_error("{% extends 'base' %}") == "m.sql:1:4: unsupported tag 'extends'");
  CHECK(parse_error("{% for x in y %}{% break %}{% endfor %}") ==
        "m.sql:1:20: unsupported tag 'break'");
  CHECK(parse_error("{{ x | nosuchfilter }}") == "m.sql:1:8: unknown filter 'nosuchfilter'");
  CHECK(parse_error("{{ x is nosuchtest }}") == "m.sql:1:9: unknown test 'nosuchtest'");
  CHECK(parse_error("{% for x in y recursive %}{% endfor %}") ==
        "m.sql:1:15: unsupported: recursive loops");
  CHECK(parse_error("{{ a[1, 2] }}") == "m.sql:1:5: unsupported: tuple subscripts");
}

TEST_CASE("block structure errors name the block that is open", "[unit][transform][jinja]") {
  CHECK(parse_error("{% endfor %}") == "m.sql:1:4: unexpected tag 'endfor'");
  CHECK(parse_error("{% if a %}\n{% endfor %}") ==
        "m.sql:2:4: unexpected tag 'endfor' inside the 'if' block opened at 1:4");
  CHECK(parse_error("{% for x in y %}\nbody") ==
        "m.sql:2:5: unexpected end of template: the 'for' block opened at 1:4 needs 'endfor' "
        "or 'else'");
  CHECK(parse_error("{% macro m() %}x") ==
        "m.sql:1:17: unexpected end of template: the 'macro' block opened at 1:4 needs "
        "'endmacro'");
  CHECK(parse_error("{% if %}{% endif %}") ==
        "m.sql:1:7: expected an expression, got "
        "'end of statement block'");
}

TEST_CASE("expression syntax errors name the offending token", "[unit][transform][jinja]") {
  CHECK(parse_error("{{ 1 + }}") ==
        "m.sql:1:8: expected an expression, got "
        "'end of print statement'");
  CHECK(parse_error("{{ a b }}") == "m.sql:1:6: expected 'end of print statement', got 'b'");
  CHECK(parse_error("{% set true = 1 %}") == "m.sql:1:8: cannot assign to 'true'");
  CHECK(parse_error("{% macro m(a, a) %}{% endmacro %}") == "m.sql:1:15: duplicate argument 'a'");
  CHECK(parse_error("{% macro m(a=1, b) %}{% endmacro %}") ==
        "m.sql:1:17: non-default argument follows default argument");
  CHECK(parse_error("{{ f(a=1, 2) }}") ==
        "m.sql:1:11: positional argument follows keyword argument");
  CHECK(parse_error("{{ f(a=1, a=2) }}") == "m.sql:1:11: keyword argument repeated: a");
  CHECK(parse_error("{% call x %}{% endcall %}") == "m.sql:1:9: expected a call after 'call'");
  CHECK(parse_error("{{ x is defined is defined }}") ==
        "m.sql:1:17: you cannot chain multiple tests with is");
}

TEST_CASE("rendering errors name the expression and its position", "[unit][transform][jinja]") {
  jj::environment env;
  jj::context ctx;
  ctx.set("d", jj::value(jj::dict{{"a", jj::value(1)}}));
  ctx.set("n", jj::value(3));
  CHECK(render_error(env, "{{ missing.attr }}") == "t.sql:1:4: 'missing' is undefined");
  CHECK(render_error(env, "{{ d.a.b.c }}", ctx) == "t.sql:1:7: 'd.a' has no attribute 'b'");
  CHECK(render_error(env, "{{ d['zz'].x }}", ctx) == "t.sql:1:5: 'd' has no item 'zz'");
  CHECK(render_error(env, "\n\n   {{ missing + 1 }}") == "t.sql:3:7: 'missing' is undefined");
  CHECK(render_error(env, "{{ missing() }}") == "t.sql:1:4: 'missing' is undefined");
  CHECK(render_error(env, "{{ 1 + 'a' }}") ==
        "t.sql:1:6: unsupported operand type(s) for +: 'int' and 'str'");
  CHECK(render_error(env, "{{ n / 0 }}", ctx) == "t.sql:1:6: division by zero");
  CHECK(render_error(env, "{{ n // 0 }}", ctx) == "t.sql:1:6: integer division or modulo by zero");
  CHECK(render_error(env, "{{ n() }}", ctx) == "t.sql:1:4: 'int' object is not callable");
  CHECK(render_error(env, "{{ 1 < 'a' }}") ==
        "t.sql:1:4: '<' not supported between instances of 'int' and 'str'");
  CHECK(render_error(env, "{{ 9223372036854775807 + 1 }}") ==
        "t.sql:1:24: integer overflow in 9223372036854775807 + 1 (integers are 64-bit here)");
  CHECK(render_error(env, "{% for x in n %}{% endfor %}", ctx) ==
        "t.sql:1:13: 'int' object is not iterable");
  CHECK(render_error(env, "{% set a, b = [1, 2, 3] %}") ==
        "t.sql:1:8: too many values to unpack (expected 2)");
  CHECK(render_error(env, "{% set a, b = [1] %}") ==
        "t.sql:1:8: not enough values to unpack (expected 2, got 1)");
  CHECK(render_error(env, "{% set d.x = 1 %}", ctx) ==
        "t.sql:1:8: cannot assign attribute 'x' on 'd': only a namespace() takes attribute "
        "assignments");
  CHECK(render_error(env, "{{ {1: 'a'} }}") ==
        "t.sql:1:5: dict keys must be strings here, got int");
  CHECK(render_error(env, "{{ 'a'.nosuchmethod() }}") ==
        "t.sql:1:7: 'str' object has no attribute 'nosuchmethod'");
  CHECK(render_error(env, "{{ 'x'.split(1) }}") == "t.sql:1:7: must be str or None, not int");
  CHECK(render_error(env, "{{ [1, 'a'] | sort }}") ==
        "t.sql:1:15: '<' not supported between instances of 'str' and 'int'");
  CHECK(render_error(env, "{{ 'x' | tojson(1, 2) }}") ==
        "t.sql:1:10: tojson() takes at most 1 argument(s) after the value (2 given)");
  CHECK(render_error(env, "{{ missing | int }}") == "t.sql:1:4: 'missing' is undefined");
}

TEST_CASE("macro call errors follow Jinja's argument rules", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(render_error(env, "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}") ==
        "t.sql:1:34: macro 'm' takes not more than 1 argument(s)");
  CHECK(render_error(env, "{% macro m(a) %}{% endmacro %}{{ m(b=1) }}") ==
        "t.sql:1:34: macro 'm' takes no keyword argument 'b'");
  CHECK(render_error(env, "{% macro m(a) %}{% endmacro %}{{ m(1, a=2) }}") ==
        "t.sql:1:34: macro 'm' got multiple values for argument 'a'");
  CHECK(render_error(env, "{% macro m() %}{% endmacro %}{% call m() %}x{% endcall %}") ==
        "t.sql:1:38: macro 'm' was called with a {% call %} block but does not use caller()");
}

TEST_CASE("an error inside a registered macro names the macro's file", "[unit][transform][jinja]") {
  auto macros =
      jj::parse_template("macros/util.sql", "{% macro bad() %}\n  {{ 1 + none }}\n{% endmacro %}");
  REQUIRE(macros);
  jj::environment env;
  env.add_macros(*macros);
  CHECK(render_error(env, "{{ bad() }}") ==
        "macros/util.sql:2:8: unsupported operand type(s) for +: 'int' and 'NoneType'");
}

#include "jinja/template.hpp"

#include "jinja/environment.hpp"
#include "render_helper.hpp"

#include <catch2/catch.hpp>

namespace jj = gg::transform::jinja;
using jj::test::render;
using jj::test::render_error;

namespace {

// A relation as the project part defines one: prints quoted, has attributes and a method.
class relation final : public jj::object {
 public:
  std::optional<jj::value> attr(std::string_view name) const override {
    if (name == "schema") return jj::value("analytics");
    if (name == "identifier") return jj::value("orders");
    if (name == "render") {
      return jj::value::make_function("render", [](jj::call_args&) -> gg::result<jj::value> {
        return jj::value("\"analytics\".\"orders\"");
      });
    }
    return std::nullopt;
  }
  std::string str() const override { return "\"analytics\".\"orders\""; }
  std::string type_name() const override { return "Relation"; }
};

std::string must(const gg::result<std::string>& r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("return() makes a macro call evaluate to its argument", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(must(render(env,
                    "{% macro m(x) %}ignored output{{ return(x * 2) }}never{% endmacro %}"
                    "{{ m(21) }} {{ m(1) + 1 }}")) == "42 3");
  CHECK(must(render(env,
                    "{% macro pick(xs) %}{% for x in xs %}{% if x > 1 %}{{ return(x) }}"
                    "{% endif %}{% endfor %}{{ return(none) }}{% endmacro %}"
                    "{{ pick([1, 5, 7]) }} {{ pick([]) }}")) == "5 None");
  CHECK(must(render(env,
                    "{% macro cfg() %}{{ return({'a': [1, 2]}) }}{% endmacro %}"
                    "{{ cfg().a[1] }} {{ cfg() is mapping }}")) == "2 True");
  // The caller's output continues after the macro returned.
  CHECK(must(render(env,
                    "{% macro inner() %}{{ return('in') }}{% endmacro %}"
                    "{% macro outer() %}[{{ inner() }}]{% endmacro %}{{ outer() }}")) == "[in]");
}

TEST_CASE("return() outside a macro is an error with its position", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(render_error(env, "a\n  {{ return(1) }}") == "t.sql:2:6: return() used outside a macro");
}

TEST_CASE("test blocks register as test_<name> macros like dbt generic tests",
          "[unit][transform][jinja]") {
  auto t = jj::parse_template("tests.sql",
                              "{% test not_null(model, column_name) %}\n"
                              "select * from {{ model }} where {{ column_name }} is null\n"
                              "{% endtest %}\n"
                              "{% macro helper() %}h{% endmacro %}");
  REQUIRE(t);
  CHECK((*t)->macro_names() == std::vector<std::string>{"test_not_null", "helper"});
  jj::environment env;
  env.add_macros(*t);
  jj::call_args args;
  args.keyword = {{"model", jj::value("t")}, {"column_name", jj::value("id")}};
  auto r = env.call(env.global("test_not_null"), args, jj::context{});
  REQUIRE(r);
  CHECK(r->str() == "\nselect * from t where id is null\n");
  CHECK(env.global("not_null").is_undefined());
}

TEST_CASE("a later macro registration replaces an earlier one of the same name",
          "[unit][transform][jinja]") {
  auto builtin = jj::parse_template(
      "builtin.sql",
      "{% macro generate_schema_name(custom, node) %}{{ target_schema }}_{{ custom }}"
      "{% endmacro %}{% macro keep() %}kept{% endmacro %}");
  auto project = jj::parse_template(
      "project.sql",
      "{% macro generate_schema_name(custom, node) %}{{ custom | trim }}{% endmacro %}");
  REQUIRE(builtin);
  REQUIRE(project);
  jj::environment env;
  env.add_macros(*builtin);
  jj::context ctx;
  ctx.set("target_schema", jj::value("public"));
  jj::call_args args{{jj::value(" staging "), jj::value::none()}, {}};
  CHECK(env.call(env.global("generate_schema_name"), args, ctx)->str() == "public_ staging ");
  env.add_macros(*project);
  jj::call_args again{{jj::value(" staging "), jj::value::none()}, {}};
  CHECK(env.call(env.global("generate_schema_name"), again, ctx)->str() == "staging");
  CHECK(must(render(env, "{{ keep() }}", ctx)) == "kept");
}

TEST_CASE("registered macros see the context of the render that calls them",
          "[unit][transform][jinja]") {
  auto macros = jj::parse_template(
      "macros.sql", "{% macro from_ref(name) %}select * from {{ ref(name) }}{% endmacro %}");
  REQUIRE(macros);
  jj::environment env;
  env.add_macros(*macros);
  for (std::string prefix : {"a", "b"}) {
    jj::context ctx;
    ctx.set("ref",
            jj::value::make_function("ref", [prefix](jj::call_args& args) -> gg::result<jj::value> {
              return jj::value(prefix + "." + args.positional.at(0).str());
            }));
    CHECK(must(render(env, "{{ from_ref('orders') }}", ctx)) ==
          "select * from " + prefix + ".orders");
  }
}

TEST_CASE("names resolve through locals, macro arguments, context, then globals",
          "[unit][transform][jinja]") {
  jj::environment env;
  env.set_global("x", jj::value("global"));
  env.set_global("only_global", jj::value("g"));
  jj::context ctx;
  ctx.set("x", jj::value("context"));
  CHECK(must(render(env, "{{ x }} {{ only_global }}", ctx)) == "context g");
  CHECK(must(render(env, "{% macro m(x) %}{{ x }}{% endmacro %}{{ m('arg') }}", ctx)) == "arg");
  CHECK(must(render(env, "{% set x = 'local' %}{{ x }}", ctx)) == "local");
  CHECK(must(render(env, "{% for x in ['loop'] %}{{ x }}{% endfor %} {{ x }}", ctx)) ==
        "loop context");
}

TEST_CASE("native objects expose attributes, methods and print themselves",
          "[unit][transform][jinja]") {
  jj::environment env;
  jj::context ctx;
  ctx.set("this", jj::value(std::shared_ptr<jj::object>(std::make_shared<relation>())));
  CHECK(must(render(env, "{{ this }} {{ this.schema }}.{{ this.identifier }} {{ this.render() }}",
                    ctx)) == "\"analytics\".\"orders\" analytics.orders \"analytics\".\"orders\"");
  CHECK(must(render(env, "[{{ this.nope }}] {{ this.nope is defined }} {{ this['schema'] }}",
                    ctx)) == "[] False analytics");
  CHECK(render_error(env, "{{ this.nope.deeper }}", ctx) ==
        "t.sql:1:8: 'this' has no attribute 'nope'");
}

TEST_CASE("a native function's error is reported at the position of the call",
          "[unit][transform][jinja]") {
  jj::environment env;
  jj::context ctx;
  ctx.set("ref", jj::value::make_function("ref", [](jj::call_args& args) -> gg::result<jj::value> {
            return gg::fail(gg::errc::invalid_input,
                            "model '" + args.positional.at(0).str() + "' was not found");
          }));
  CHECK(render_error(env, "select\n  * from {{ ref('missing') }}", ctx) ==
        "t.sql:2:13: model 'missing' was not found");
}

TEST_CASE("native functions receive positional and keyword arguments", "[unit][transform][jinja]") {
  jj::environment env;
  jj::context ctx;
  ctx.set("config", jj::value::make_function("config", [](jj::call_args& args) {
            std::string out;
            for (const auto& [k, v] : args.keyword) out += k + "=" + v.repr() + ";";
            return gg::result<jj::value>(jj::value(out));
          }));
  CHECK(must(render(env, "{{ config(materialized='incremental', unique_key=['id', 'day']) }}",
                    ctx)) == "materialized='incremental';unique_key=['id', 'day'];");
  CHECK(must(render(env, "{{ config(**{'a': 1}) }}", ctx)) == "a=1;");
}

TEST_CASE("environment::call runs a macro with keyword arguments and defaults",
          "[unit][transform][jinja]") {
  auto t = jj::parse_template("m.sql", "{% macro m(a, b='dflt') %}{{ a }}-{{ b }}{% endmacro %}");
  REQUIRE(t);
  jj::environment env;
  env.add_macros(*t);
  jj::call_args args;
  args.keyword = {{"a", jj::value(1)}};
  CHECK(env.call(env.global("m"), args, {})->str() == "1-dflt");
  jj::call_args wrong;
  wrong.keyword = {{"zzz", jj::value(1)}};
  auto r = env.call(env.global("m"), wrong, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "m.sql:1:4: macro 'm' takes no keyword argument 'zzz'");
}

TEST_CASE("missing macro arguments are undefined, as in Jinja", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(must(render(env,
                    "{% macro m(a, b) %}{{ a }}[{{ b }}]{{ b is defined }}{% endmacro %}"
                    "{{ m(1) }}")) == "1[]False");
}

TEST_CASE("the do tag, namespaces and in-place list and dict methods", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(must(render(env,
                    "{% set ns = namespace(found=false) %}"
                    "{% for x in [1, 2, 3] %}{% if x == 2 %}{% set ns.found = true %}"
                    "{% endif %}{% endfor %}{{ ns.found }}")) == "True");
  CHECK(must(render(env,
                    "{% set cols = [] %}{% for c in ['a', 'b'] %}"
                    "{% do cols.append(c | upper) %}{% endfor %}{{ cols | join(', ') }}")) ==
        "A, B");
}

TEST_CASE("dbt's as_* filters convert text to native values", "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(must(render(env,
                    "{{ 'True' | as_bool }} {{ '12' | as_number + 1 }} {{ '1.5' | as_native }}"
                    " {{ 3 | as_text ~ 'x' }}")) == "True 13 1.5 3x");
  CHECK(render_error(env, "{{ 'maybe' | as_bool }}") ==
        "t.sql:1:14: as_bool: 'maybe' is not a boolean");
}

TEST_CASE("parsed templates are independent of the environment and reusable",
          "[unit][transform][jinja]") {
  auto t = jj::parse_template("t.sql", "{{ a }}{% macro m() %}x{% endmacro %}{{ m() }}");
  REQUIRE(t);
  jj::environment one;
  jj::environment two;
  jj::context c1;
  c1.set("a", jj::value(1));
  jj::context c2;
  c2.set("a", jj::value(2));
  CHECK(*one.render(**t, c1) == "1x");
  CHECK(*two.render(**t, c2) == "2x");
  CHECK(*one.render(**t, c2) == "2x");
}

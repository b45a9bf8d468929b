// Hostile templates hit a limit with a clear error: never a crash, a hang or unbounded memory.

#include "jinja/environment.hpp"
#include "render_helper.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace jj = gg::transform::jinja;
using jj::test::render_error;

TEST_CASE("runaway macro recursion stops at the depth limit", "[unit][transform][jinja]") {
  jj::environment env;
  std::string msg = render_error(env, "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  CHECK(msg.find("t.sql:1:20: macro calls nested deeper than the limit of 250") == 0);
  jj::limits small;
  small.max_depth = 10;
  jj::environment tight(small);
  CHECK(render_error(tight,
                     "{% macro f(n) %}{% if n < 9 %}{{ f(n + 1) }}{% endif %}{% endmacro %}"
                     "{{ f(0) }}")
            .find("<rendered") == 0);
  CHECK(render_error(tight,
                     "{% macro f(n) %}{% if n < 10 %}{{ f(n + 1) }}{% endif %}"
                     "{% endmacro %}{{ f(0) }}")
            .find("macro calls nested deeper than the limit of 10") != std::string::npos);
}

TEST_CASE("deeply nested expressions and blocks are refused by the parser",
          "[unit][transform][jinja]") {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  auto t = jj::parse_template("deep.sql", deep);
  REQUIRE_FALSE(t);
  CHECK(t.error().message.find("expression nested too deeply") != std::string::npos);
  std::string blocks;
  for (int i = 0; i < 1000; ++i) blocks += "{% if true %}";
  auto b = jj::parse_template("blocks.sql", blocks);
  REQUIRE_FALSE(b);
  CHECK(b.error().message.find("blocks nested too deeply") != std::string::npos);
  std::string negations = "{{ " + std::string(5000, '-') + "1 }}";
  CHECK_FALSE(jj::parse_template("neg.sql", negations));
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  CHECK_FALSE(jj::parse_template("not.sql", "{{ " + nots + "x }}"));
}

TEST_CASE("loop iterations are bounded over the whole render", "[unit][transform][jinja]") {
  jj::limits lim;
  lim.max_loop_iterations = 1000;
  jj::environment env(lim);
  CHECK(render_error(env,
                     "{% for i in range(10) %}{% for j in range(10) %}{% endfor %}"
                     "{% endfor %}")
            .find("<rendered") == 0);
  CHECK(render_error(env,
                     "{% for i in range(100) %}{% for j in range(100) %}{% endfor %}"
                     "{% endfor %}") == "t.sql:1:29: loop iterations exceed the limit of 1000");
  CHECK(render_error(env, "{{ range(100000) | length }}") ==
        "t.sql:1:4: range() of 100000 items exceeds the loop limit of 1000");
  CHECK(render_error(env, "{{ [1] * 5000 }}") ==
        "t.sql:1:8: list repetition exceeds the limit of 1000 items");
}

TEST_CASE("output and string growth are bounded", "[unit][transform][jinja]") {
  jj::limits lim;
  lim.max_output_bytes = 1 << 16;
  jj::environment env(lim);
  CHECK(render_error(env, "{% for i in range(100000) %}xxxxxxxxxx{% endfor %}") ==
        "t.sql:1:29: output exceeds the limit of 65536 bytes");
  CHECK(render_error(env, "{{ 'x' * 100000 }}") ==
        "t.sql:1:8: string repetition exceeds the limit of 65536 bytes");
  CHECK(render_error(env,
                     "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                     "{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
            .find("exceeds the limit of 65536 bytes") != std::string::npos);
  CHECK(render_error(env, "{{ ('x' * 1000) | replace('x', 'y' * 1000) }}")
            .find("exceeds the limit of 65536 bytes") != std::string::npos);
  CHECK(render_error(env, "{{ 'x'.center(10000000) }}").find("exceeds") != std::string::npos);
  CHECK(render_error(env, "{{ '%9999999d' % 1 }}").find("exceeds") != std::string::npos);
}

TEST_CASE("self-referencing containers print without recursing forever",
          "[unit][transform][jinja]") {
  jj::environment env;
  auto r = jj::test::render(env, "{% set l = [] %}{% do l.append(l) %}{{ l | length }}");
  REQUIRE(r);
  CHECK(*r == "1");
  auto printed = jj::test::render(env, "{% set l = [] %}{% do l.append(l) %}{{ l }}");
  REQUIRE(printed);
  CHECK(printed->find("[...]") != std::string::npos);
}

TEST_CASE("containers sharing sub-containers cannot make printing or comparing explode",
          "[unit][transform][jinja]") {
  jj::limits lim;
  lim.max_output_bytes = 1 << 16;
  jj::environment env(lim);
  const std::string build =
      "{% set ns = namespace(a=[], b=[]) %}{% for i in range(60) %}"
      "{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}";
  CHECK(render_error(env, build + "{{ ns.a }}") ==
        "t.sql:1:131: output exceeds the limit of 65536 bytes");
  CHECK(render_error(env, build + "{{ ns.a | tojson }}").find("tojson: output too large") !=
        std::string::npos);
  // Python would compare for ages; a work budget answers (unequal) instead of hanging.
  CHECK(render_error(env, build + "{{ ns.a == ns.b }}") == "<rendered: False>");
  CHECK(render_error(env, build + "{{ ns.a == ns.a }}") == "<rendered: True>");
}

TEST_CASE("recursion through a native function that calls back into the environment is bounded",
          "[unit][transform][jinja]") {
  auto t = jj::parse_template("m.sql", "{% macro again() %}{{ call_back() }}{% endmacro %}");
  REQUIRE(t);
  jj::environment env;
  env.add_macros(*t);
  jj::context ctx;
  const jj::environment* e = &env;
  const jj::context* c = &ctx;
  ctx.set("call_back", jj::value::make_function("call_back", [e, c](jj::call_args&) {
            return e->call(e->global("again"), jj::call_args{}, *c);
          }));
  CHECK(render_error(env, "{{ again() }}", ctx) ==
        "m.sql:1:4: macro calls nested deeper than the limit of 250 (runaway recursion in "
        "'again'?)");
}

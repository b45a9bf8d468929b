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

TEST_CASE("self-referencing containers print as Python prints them", "[unit][transform][jinja]") {
  jj::environment env;
  auto r = jj::test::render(env, "{% set l = [] %}{% do l.append(l) %}{{ l | length }}");
  REQUIRE(r);
  CHECK(*r == "1");
  CHECK(render_error(env, "{% set l = [1] %}{% do l.append(l) %}{{ l }} {{ [l, l] }}") ==
        "<rendered: [1, [...]] [[1, [...]], [1, [...]]]>");
  CHECK(render_error(env, "{% set d = {} %}{% do d.update({'me': d}) %}{{ d }}") ==
        "<rendered: {'me': {...}}>");
  CHECK(render_error(env, "{% set t = ([],) %}{% do t[0].append(t) %}{{ t }}") ==
        "<rendered: ([(...)],)>");
  CHECK(render_error(env, "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}") ==
        "<rendered: <Namespace {'me': <Namespace {...}>}>>");
}

TEST_CASE("a namespace that holds itself and doubles its text stops at the output limit",
          "[unit][transform][jinja]") {
  // Each step prints the namespace into its own attribute: the text doubles, and the print of
  // the namespace inside its attribute must neither start over (unbounded recursion) nor grow
  // past the limit before the concatenation checks it.
  const std::string doubling =
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns,s ~ ns.s %}"
      "{% endfor %}";
  jj::limits lim;
  lim.max_output_bytes = 1 << 16;
  CHECK(render_error(jj::environment(lim), doubling) ==
        "t.sql:1:74: printed value exceeds the limit of 65536 bytes");
  CHECK(render_error(jj::environment(lim), doubling + "{{ ns }}") ==
        "t.sql:1:74: printed value exceeds the limit of 65536 bytes");
  CHECK(render_error(jj::environment(), doubling) ==
        "t.sql:1:74: printed value exceeds the limit of 67108864 bytes");
  // Printed directly into the output, inside a filter and inside a method's message.
  const std::string wide =
      "{% set ns = namespace(l=[]) %}{% for i in range(20) %}{% do ns.l.append(ns) %}"
      "{% do ns.l.append('x' * 4000) %}{% endfor %}";
  CHECK(render_error(jj::environment(lim), wide + "{{ ns.l }}") ==
        "t.sql:1:123: printed value exceeds the limit of 65536 bytes");
  CHECK(render_error(jj::environment(lim), wide + "{{ ns.l | string | length }}") ==
        "t.sql:1:133: printed value exceeds the limit of 65536 bytes");
  CHECK(render_error(jj::environment(lim), wide + "{{ {}.pop(ns.l) }}") ==
        "t.sql:1:128: printed value exceeds the limit of 65536 bytes");
}

TEST_CASE("values nested deeper than the print bound fail to print instead of recursing",
          "[unit][transform][jinja]") {
  jj::environment env;
  const std::string nest =
      "{% set ns = namespace(v=[]) %}{% for i in range(500) %}{% set ns.v = [ns.v] %}"
      "{% endfor %}";
  CHECK(render_error(env, nest + "{{ ns.v }}") ==
        "t.sql:1:91: value nested too deeply to print (more than 200 levels)");
  CHECK(render_error(env, nest + "{{ ns.v | length }}") == "<rendered: 1>");
  // The bound counts through namespaces too: each prints its own dict inside the print.
  const std::string chain =
      "{% set ns = namespace(v=0) %}{% for i in range(500) %}"
      "{% set ns.v = namespace(v=ns.v) %}{% endfor %}";
  CHECK(render_error(env, chain + "{{ ns }}") ==
        "t.sql:1:101: value nested too deeply to print (more than 200 levels)");
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
        "t.sql:1:131: printed value exceeds the limit of 65536 bytes");
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

namespace {

// An object that counts its destructions, so a test sees whether a render freed a value.
class probe final : public jj::object {
 public:
  explicit probe(int& destroyed) : destroyed_(destroyed) {}
  ~probe() override { ++destroyed_; }
  std::optional<jj::value> attr(std::string_view) const override { return std::nullopt; }
  std::string str() const override { return "probe"; }
  std::string type_name() const override { return "probe"; }

 private:
  int& destroyed_;
};

}  // namespace

TEST_CASE("reference cycles made by a render are freed when it ends", "[unit][transform][jinja]") {
  const char* cycles[] = {
      "{% set l = [probe()] %}{% do l.append(l) %}{{ l | length }}",
      "{% set d = {'p': probe()} %}{% do d.update({'me': [d]}) %}{{ d | length }}",
      "{% set ns = namespace(p=probe()) %}{% set ns.me = ns %}{{ ns.p }}",
      "{% set l = [probe()] %}{% set m = l.append %}{% do l.append(m) %}{{ l | length }}",
      "{% set l = [probe()] %}{% do l.append(l) %}{% for x in l %}{% do l.append(loop) %}"
      "{% endfor %}{{ l | length }}",
      "{% macro keep(x) %}{% do x.append(x) %}{% endmacro %}{% set l = [probe()] %}"
      "{{ keep(l) }}{{ l | length }}",
  };
  for (const char* text : cycles) {
    CAPTURE(text);
    int destroyed = 0;
    jj::context ctx;
    ctx.set("probe", jj::value::make_function("probe", [&destroyed](jj::call_args&) {
              return gg::result<jj::value>(
                  jj::value(std::shared_ptr<jj::object>(std::make_shared<probe>(destroyed))));
            }));
    jj::environment env;
    auto r = jj::test::render(env, text, ctx);
    REQUIRE(r);
    CHECK(destroyed == 1);
  }
}

TEST_CASE("the end of a render leaves the values its caller still holds intact",
          "[unit][transform][jinja]") {
  auto t = jj::parse_template("m.sql",
                              "{% macro make() %}{% set l = [1] %}{% do l.append(l) %}"
                              "{% set garbage = [2] %}{% do garbage.append(garbage) %}"
                              "{{ return(l) }}{% endmacro %}");
  REQUIRE(t);
  jj::environment env;
  env.add_macros(*t);
  // A list made before the render and changed by it is the caller's, like the result.
  jj::value outer(jj::list{jj::value(7)});
  jj::context ctx;
  ctx.set("outer", outer);
  auto r = env.call(env.global("make"), jj::call_args{}, ctx);
  REQUIRE(r);
  REQUIRE(r->is_list());
  CHECK(r->repr() == "[1, [...]]");
  CHECK(jj::test::render(env, "{% do outer.append(outer) %}{{ outer }}", ctx).value() ==
        "[7, [...]]");
  CHECK(outer.repr() == "[7, [...]]");
  // The caller's cycle is the caller's to break.
  outer.as_list().clear();
  r->as_list().clear();
}

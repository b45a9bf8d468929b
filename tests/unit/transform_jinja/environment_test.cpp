#include "jinja/environment.hpp"

#include "render_helper.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace jj = gg::transform::jinja;

TEST_CASE("several threads render shared templates and macros at once",
          "[unit][transform][jinja]") {
  auto macros = jj::parse_template(
      "macros.sql",
      "{% macro cols(n) %}{% for i in range(n) %}c{{ i }}{% if not loop.last %}, "
      "{% endif %}{% endfor %}{% endmacro %}");
  auto model = jj::parse_template(
      "model.sql",
      "select {{ cols(width) }} from {{ source }}{% set ns = namespace(k=0) %}"
      "{% for i in range(width) %}{% set ns.k = ns.k + i %}{% endfor %} -- {{ ns.k }}");
  REQUIRE(macros);
  REQUIRE(model);
  jj::environment env;
  env.add_macros(*macros);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int width = 1 + (t + i) % 7;
        jj::context ctx;
        ctx.set("width", jj::value(width));
        ctx.set("source", jj::value("s" + std::to_string(t)));
        auto out = env.render(**model, ctx);
        std::string want = "select ";
        int sum = 0;
        for (int k = 0; k < width; ++k) {
          want += (k ? ", c" : "c") + std::to_string(k);
          sum += k;
        }
        want += " from s" + std::to_string(t) + " -- " + std::to_string(sum);
        if (!out || *out != want) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
}

TEST_CASE("the built-in globals are range, dict, namespace and return",
          "[unit][transform][jinja]") {
  jj::environment env;
  CHECK(env.global("range").is_callable());
  CHECK(env.global("dict").is_callable());
  CHECK(env.global("namespace").is_callable());
  CHECK(env.global("return").is_callable());
  CHECK(env.global("nothing").is_undefined());
  auto r = jj::test::render(env, "{{ namespace(a=1) }} {{ dict([['k', 2]]) }}");
  REQUIRE(r);
  CHECK(*r == "<Namespace {'a': 1}> {'k': 2}");
}

TEST_CASE("a call block's caller closes over the loop variables around it",
          "[unit][transform][jinja]") {
  jj::environment env;
  auto r = jj::test::render(env,
                            "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}"
                            "{% for x in ['a', 'b'] %}{% call twice() %}{{ x }}{{ loop.index }}"
                            "{% endcall %};{% endfor %}");
  REQUIRE(r);
  CHECK(*r == "a1a1;b2b2;");
}

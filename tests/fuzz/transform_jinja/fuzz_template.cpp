// libFuzzer target for templates: arbitrary bytes are parsed, rendered with a small dbt-like
// context, registered as macros and every macro called. Checked on every input:
// - nothing crashes, hangs or trips a sanitizer (tight limits keep each input fast);
// - every error is invalid_input and starts with a "<name>:" position prefix.

#include "jinja/environment.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace jj = gg::transform::jinja;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_error(const gg::error& e) {
  check(e.code == gg::errc::invalid_input);
  check(!e.message.empty());
}

jj::context make_context() {
  jj::context ctx;
  ctx.set("name", jj::value("orders"));
  ctx.set("n", jj::value(3));
  ctx.set("f", jj::value(2.5));
  ctx.set("flag", jj::value(true));
  ctx.set("nothing", jj::value::none());
  ctx.set("items", jj::value(jj::list{jj::value("a"), jj::value("b"), jj::value(1)}));
  ctx.set("cfg", jj::value(jj::dict{{"materialized", jj::value("table")},
                                    {"keys", jj::value(jj::list{jj::value("id")})}}));
  ctx.set("ref", jj::value::make_function("ref", [](jj::call_args& args) -> gg::result<jj::value> {
            if (args.positional.empty())
              return gg::fail(gg::errc::invalid_input, "ref() needs a name");
            return jj::value("\"analytics\".\"" + args.positional[0].str() + "\"");
          }));
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = jj::parse_template("fuzz.sql", text);
  if (!t) {
    check_error(t.error());
    check(t.error().message.rfind("fuzz.sql:", 0) == 0);
    return 0;
  }
  jj::limits lim;
  lim.max_depth = 40;
  lim.max_loop_iterations = 20000;
  lim.max_output_bytes = 1 << 20;
  jj::environment env(lim);
  static const jj::context ctx = make_context();
  auto out = env.render(**t, ctx);
  if (!out) check_error(out.error());
  if (out) check(out->size() <= lim.max_output_bytes);
  env.add_macros(*t);
  for (const std::string& name : (*t)->macro_names()) {
    auto r = env.call(env.global(name), jj::call_args{}, ctx);
    if (!r) check_error(r.error());
  }
  return 0;
}

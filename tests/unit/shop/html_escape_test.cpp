#include "html_escape.hpp"

#include <gadgetgrove/shop/storefront_pages.hpp>
#include "static_assets.hpp"

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <string>

namespace {

using gg::shop::catalog;
using gg::shop::product;

catalog hostile_catalog() {
  product p;
  p.id = "SM-0badc0de";
  p.name = "</title><script>alert('x')</script>";
  p.price_cents = 49999;
  p.category = "Smartphones";
  p.category_slug = "smartphones";
  p.brand = "Evil & \"Sons\"";
  p.color = "<!-- Black";
  p.features_json = R"({"note":"</script><script>alert(1)</script>\u2028"})";
  p.rating_tenths = 40;
  return catalog(3, {p});
}

std::string between(const std::string& s, std::string_view open, std::string_view close) {
  const auto a = s.find(open);
  REQUIRE(a != std::string::npos);
  const auto b = s.find(close, a + open.size());
  REQUIRE(b != std::string::npos);
  return s.substr(a + open.size(), b - a - open.size());
}

}  // namespace

TEST_CASE("HTML escaping replaces the five significant characters", "[unit][shop]") {
  CHECK(gg::shop::html_escape(R"(<script>alert("x") & 'y'</script>)") ==
        "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  CHECK(gg::shop::html_escape("plain text") == "plain text");
  CHECK(gg::shop::html_escape("") == "");
  std::string out = "x";
  gg::shop::append_html_escaped(out, "<");
  CHECK(out == "x&lt;");
}

TEST_CASE("JSON for a script element cannot close the element", "[unit][shop]") {
  std::string out;
  gg::shop::append_script_json(out, R"({"a":"</script><!-- & 'q'","b":"line\u2028"})");
  CHECK(out == R"({"a":"\u003c/script\u003e\u003c!-- \u0026 \u0027q\u0027","b":"line\u2028"})");
  out.clear();
  gg::shop::append_script_json(out, "\"\xe2\x80\xa8\xe2\x80\xa9\"");
  CHECK(out == R"("\u2028\u2029")");
}

TEST_CASE("a product name containing a script tag is escaped in the rendered page",
          "[unit][shop]") {
  const auto c = hostile_catalog();
  const auto* tpl = gg::shop::find_static_asset("index.html");
  REQUIRE(tpl != nullptr);
  const gg::shop::storefront_pages pages(c, tpl->body);
  const std::string& html = pages.product("SM-0badc0de").html;

  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("</title><script>") == std::string::npos);
  CHECK(between(html, "<title>", "</title>") ==
        "&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; \xc2\xb7 GadgetGrove");
  CHECK(html.find("content=\"&lt;/title&gt;") != std::string::npos);

  // The initial state is intact JSON once the element's text is read back.
  const std::string state =
      between(html, R"(<script type="application/json" id="initial-state">)", "</script>");
  CHECK(state.find('<') == std::string::npos);
  CHECK(state.find('>') == std::string::npos);
  CHECK(state.find('&') == std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(state).get(doc) == simdjson::SUCCESS);
  std::string_view name;
  REQUIRE(doc["products"].at(0)["name"].get_string().get(name) == simdjson::SUCCESS);
  CHECK(name == "</title><script>alert('x')</script>");
  std::string_view brand;
  REQUIRE(doc["products"].at(0)["brand"].get_string().get(brand) == simdjson::SUCCESS);
  CHECK(brand == "Evil & \"Sons\"");
}

TEST_CASE("unknown category and product pages fall back to the home page", "[unit][shop]") {
  const auto c = hostile_catalog();
  const gg::shop::storefront_pages pages(c, "<title>{{title}}</title>{{unknown}}");
  CHECK(&pages.category("toasters") == &pages.home());
  CHECK(&pages.product("SM-00000000") == &pages.home());
  CHECK(&pages.category("smartphones") != &pages.home());
  CHECK(pages.home().html.find("{{unknown}}") != std::string::npos);
  CHECK(pages.home().etag.size() == 18);
  CHECK(pages.home().etag != pages.category("smartphones").etag);
}

#include "page_template.hpp"

#include <catch2/catch.hpp>

#include <string>

using gg::console::render_page;

namespace {

constexpr std::string_view header =
    R"(<nav><a href="/dashboard" data-page="dashboard">D</a><a href="/pipeline" data-page="pipeline">P</a></nav>)";

std::string error_of(std::string_view tpl, std::string_view current = "pipeline") {
  auto r = render_page("page.html", tpl, header, current, "/files");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == gg::errc::invalid_input);
  return r.error().message;
}

}  // namespace

TEST_CASE("a page's {{header}} becomes the shared header with its own link marked current",
          "[unit][console]") {
  auto r =
      render_page("page.html", "<body>\n{{header}}\n<main></main>", header, "pipeline", "/files");
  REQUIRE(r);
  CHECK(*r ==
        "<body>\n<nav><a href=\"/dashboard\" data-page=\"dashboard\">D</a><a href=\"/pipeline\" "
        "data-page=\"pipeline\" aria-current=\"page\">P</a></nav>\n<main></main>");
  auto d = render_page("d.html", "{{header}}", header, "dashboard", "/files");
  REQUIRE(d);
  CHECK(d->find(R"(data-page="dashboard" aria-current="page")") != std::string::npos);
  CHECK(d->find(R"(data-page="pipeline" aria-current)") == std::string::npos);
}

TEST_CASE("an unknown template construct is an error naming file, line, column and construct",
          "[unit][console]") {
  CHECK(error_of("{{header}}\nab {{title}}") ==
        "page.html:2:4: unsupported template construct '{{title}}' (only {{header}} and {{assets}} "
        "are known)");
  CHECK(error_of("{{header}}\n\n  {{ header }}").starts_with("page.html:3:3: unsupported"));
  CHECK(error_of("x {{header") == "page.html:1:3: unclosed template construct '{{'");
  CHECK(error_of("{{header}}{{header}}") == "page.html:1:11: {{header}} appears more than once");
  CHECK(error_of("<p>no header</p>") == "page.html: the page has no {{header}}");
  CHECK(error_of("{{header}}", "reports").find("no link with data-page=\"reports\"") !=
        std::string::npos);
  CHECK(error_of("{{header}}", "").find("no link") != std::string::npos);
}

TEST_CASE("every {{assets}} of a page becomes the path its files are served under",
          "[unit][console]") {
  auto r = render_page("page.html",
                       "<link href=\"{{assets}}/a.css\">{{header}}<script src=\"{{assets}}/b.js\">",
                       header, "pipeline", "/files/v/0123");
  REQUIRE(r);
  CHECK(r->starts_with(R"(<link href="/files/v/0123/a.css"><nav>)"));
  CHECK(r->ends_with(R"(</nav><script src="/files/v/0123/b.js">)"));
  CHECK(error_of("{{header}}{{ assets }}").starts_with("page.html:1:11: unsupported"));
  CHECK(error_of("{{header}}{{assets").starts_with("page.html:1:11: unclosed"));
}

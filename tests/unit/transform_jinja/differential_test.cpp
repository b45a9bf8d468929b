// Renders every template of corpus/ with the reference Jinja2 (python3-jinja2) and with this
// engine, and compares the output byte for byte. Templates named err_*.j2 must fail in both,
// ours with a "<name>:<line>:<col>: " prefix.

#include "jinja/environment.hpp"

#include "child_process.hpp"
#include "json_context.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace jj = gg::transform::jinja;

namespace {

fs::path corpus_dir() {
  const char* src = std::getenv("GG_SOURCE_DIR");
  fs::path root = src ? fs::path(src) : fs::path(GG_TEST_SOURCE_DIR);
  return root / "tests/unit/transform_jinja/corpus";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// python3 from PATH, or empty.
std::string find_python() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir) / "python3";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

}  // namespace

TEST_CASE("every corpus template renders byte for byte as the reference Jinja2 renders it",
          "[unit][transform][jinja]") {
  fs::path corpus = corpus_dir();
  REQUIRE(fs::is_directory(corpus));
  std::string python = find_python();
  INFO("python3 is required for the differential test (install python3 and python3-jinja2)");
  REQUIRE_FALSE(python.empty());

  gg::test::temp_dir tmp("gg-jinja-diff");
  auto ref = gg::test::run_to_end(python,
                                  {(corpus.parent_path() / "render_reference.py").string(),
                                   corpus.string(), (corpus / "context.json").string()},
                                  tmp.path(), std::chrono::seconds(120));
  INFO("reference renderer stderr: " << ref.err);
  REQUIRE(ref.status == 0);
  jj::value reference = jj::test::from_json(ref.out);
  REQUIRE(reference.is_dict());

  jj::context ctx = jj::test::context_from_json(slurp(corpus / "context.json"));
  jj::environment env;
  std::size_t compared = 0;
  std::size_t error_cases = 0;
  const std::regex positioned(R"(^[^:]+\.j2:\d+:\d+: .+)");
  for (const auto& [name, expected] : reference.as_dict()) {
    INFO("template " << name);
    std::string text = slurp(corpus / name);
    auto tmpl = jj::parse_template(name, text);
    gg::result<std::string> ours =
        tmpl ? env.render(**tmpl, ctx) : gg::result<std::string>(tmpl.error());
    const jj::value* ok = expected.as_dict().find("ok");
    REQUIRE(ok != nullptr);
    if (name.rfind("err_", 0) == 0) {
      ++error_cases;
      CHECK_FALSE(ok->as_bool());
      INFO("our output: " << (ours ? *ours : std::string()));
      REQUIRE_FALSE(ours);
      INFO("our error: " << ours.error().message);
      CHECK(std::regex_match(ours.error().message, positioned));
      CHECK(ours.error().code == gg::errc::invalid_input);
      continue;
    }
    INFO("reference: " << expected.str());
    REQUIRE(ok->as_bool());
    INFO("our error: " << (ours ? std::string() : ours.error().message));
    REQUIRE(ours);
    CHECK(*ours == expected.as_dict().find("output")->as_string());
    ++compared;
  }
  CHECK(compared >= 60);
  CHECK(error_cases >= 10);
}

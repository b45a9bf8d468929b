// libFuzzer target for project loading: the input is split at lines "--8<--" into
// dbt_project.yml, models/schema.yml and models/m.sql (missing parts are left out), written to
// a scratch directory and loaded; a loaded project has every node compiled. Checked on every
// input: nothing crashes, hangs or trips a sanitizer, and every failure is a reported error
// with a message (YAML and template errors are invalid_input, never internal).

#include "project/compiler.hpp"
#include "project/project.hpp"

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_error(const gg::error& e) {
  check(!e.message.empty());
  check(e.code != gg::errc::internal);
}

const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "gg-fuzz-project-XXXXXX").string();
    check(::mkdtemp(tmpl.data()) != nullptr);
    return fs::path(tmpl);
  }();
  return dir;
}

std::vector<std::string_view> split_parts(std::string_view text) {
  static constexpr std::string_view cut = "\n--8<--\n";
  std::vector<std::string_view> parts;
  while (parts.size() < 2) {
    const auto at = text.find(cut);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + cut.size());
  }
  parts.push_back(text);
  return parts;
}

void write(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  check(out.good());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parts = split_parts(text);
  const fs::path& dir = scratch();
  std::error_code ec;
  fs::remove_all(dir / "models", ec);
  fs::create_directories(dir / "models");
  write(dir / "dbt_project.yml", parts[0]);
  if (parts.size() > 1) write(dir / "models" / "schema.yml", parts[1]);
  if (parts.size() > 2) write(dir / "models" / "m.sql", parts[2]);

  gg::transform::load_options opts;
  opts.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto project = gg::transform::project::load(dir, opts);
  if (!project) {
    check_error(project.error());
    return 0;
  }
  for (const auto& n : project->nodes()) {
    if (n.kind == gg::transform::node_kind::source) continue;
    gg::transform::compile_state state;
    auto compiled = gg::transform::compile(*project, n, state);
    if (!compiled) check_error(compiled.error());
  }
  return 0;
}

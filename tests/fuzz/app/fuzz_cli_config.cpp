// libFuzzer target for the command line, the config file and the environment. The input holds
// three parts separated by NUL bytes: the config file's text, the arguments (one a line; the
// first is the subcommand), and environment variables (NAME=value lines). The config file is
// passed with --config. Checked on every input:
// - nothing crashes, hangs, throws past parse_cli or trips a sanitizer;
// - help (exit code 0) prints something; an error (exit code 2) is one line on `err`
//   naming the program;
// - parsed settings list each option once, every one a known option with a known source, and
//   the --print-config table has a row for each.

#include "cli.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

std::string_view next_part(std::string_view& rest, char sep) {
  const auto at = rest.find(sep);
  const std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return part;
}

const std::string& config_path() {
  static const std::string path = "/tmp/gg_fuzz_cli_config_" + std::to_string(::getpid()) + ".toml";
  return path;
}

bool known_source(const std::string& s) {
  for (std::string_view prefix : {"default", "command line", "env ", "config "}) {
    if (s.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view config = next_part(rest, '\0');
  std::string_view arg_text = next_part(rest, '\0');
  std::string_view env_text = rest;

  if (std::FILE* f = std::fopen(config_path().c_str(), "wb")) {
    std::fwrite(config.data(), 1, config.size(), f);
    std::fclose(f);
  }
  std::vector<std::string> args;
  while (!arg_text.empty()) args.emplace_back(next_part(arg_text, '\n'));
  if (args.empty()) args.emplace_back("serve");
  args.emplace_back("--config");
  args.push_back(config_path());

  std::map<std::string, std::string> env;
  while (!env_text.empty()) {
    const std::string_view line = next_part(env_text, '\n');
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = line.substr(eq + 1);
  }
  const gg::app::env_lookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };

  for (const auto& a : args) (void)gg::app::parse_duration(a);

  std::string out;
  std::string err;
  auto parsed = gg::app::parse_cli(args, lookup, out, err);
  if (const int* code = std::get_if<int>(&parsed)) {
    check(*code == 0 || *code == 2);
    if (*code == 0) check(!out.empty());
    if (*code == 2) {
      check(err.rfind("gadgetgrove: ", 0) == 0);
      check(err.find('\n') == std::string::npos || err.find('\n') == err.size() - 1);
    }
    return 0;
  }
  const auto& cli = std::get<gg::app::parsed_cli>(parsed);
  static const auto names = [] {
    auto v = gg::app::option_names();
    return std::set<std::string>(v.begin(), v.end());
  }();
  std::set<std::string> seen;
  for (const auto& o : cli.origins) {
    check(names.count(o.name) == 1);
    check(seen.insert(o.name).second);
    check(known_source(o.source));
  }
  const std::string table = gg::app::format_origins(cli.origins);
  std::size_t rows = 0;
  for (char c : table) rows += c == '\n';
  check(rows == cli.origins.size() + 1);
  return 0;
}

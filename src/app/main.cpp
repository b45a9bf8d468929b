// gadgetgrove: parses the command line and runs one subcommand. Exceptions are only expected
// during start-up; anything that escapes is reported in one line with exit code 1.

#include "cli.hpp"
#include "commands.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string out, err;
  try {
    auto parsed = gg::app::parse_cli(args, gg::app::process_env(), out, err);
    if (auto* code = std::get_if<int>(&parsed)) {
      if (!out.empty()) std::fputs(out.c_str(), stdout);
      if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
      return *code;
    }
    const auto& cli = std::get<gg::app::parsed_cli>(parsed);
    switch (cli.cmd) {
      case gg::app::command::serve:
        return gg::app::run_serve(cli);
      case gg::app::command::init:
        return gg::app::run_init(cli);
      case gg::app::command::load:
        return gg::app::run_load(cli);
      case gg::app::command::simulate:
        return gg::app::run_simulate(cli);
      case gg::app::command::version:
        return gg::app::run_version();
      case gg::app::command::transform:
        return gg::app::run_transform(cli);
      case gg::app::command::runs:
        return gg::app::run_runs(cli);
      case gg::app::command::run:
        return gg::app::run_flow(cli);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gadgetgrove: %s\n", e.what());
    return 1;
  }
  return 1;
}

#pragma once
// One function per subcommand; each returns the process exit code.

#include "cli.hpp"

namespace gg::app {

int run_serve(const parsed_cli& cli);
int run_init(const parsed_cli& cli);
int run_load(const parsed_cli& cli);
int run_simulate(const parsed_cli& cli);
int run_version();
int run_transform(const parsed_cli& cli);
int run_runs(const parsed_cli& cli);
int run_flow(const parsed_cli& cli);

}  // namespace gg::app

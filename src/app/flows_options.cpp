#include "flows_options.hpp"

#include <fmt/format.h>

#include <array>

namespace gg::app {

void add_runs_options(CLI::App& runs, settings& s) {
  runs.add_option("--flow", s.runs_flow, "Only runs of this flow");
  constexpr std::array states{flows::run_state::scheduled, flows::run_state::pending,
                              flows::run_state::running,   flows::run_state::completed,
                              flows::run_state::failed,    flows::run_state::crashed,
                              flows::run_state::cancelled, flows::run_state::skipped};
  std::vector<std::string> names;
  for (auto st : states) names.emplace_back(flows::to_string(st));
  runs.add_option_function<std::string>(
      "--state",
      [&s, names](const std::string& text) {
        auto st = flows::parse_run_state(text);
        if (!st) {
          throw CLI::ValidationError(
              "--state", fmt::format("'{}' is not one of {}", text, fmt::join(names, ", ")));
        }
        s.runs_state = *st;
      },
      fmt::format("Only runs in this state: {}", fmt::join(names, "|")));
  runs.add_option("--limit", s.runs_limit, "Most runs listed")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  runs.add_flag("--json", s.runs_json, "One JSON object per run instead of the table");
}

void add_run_options(CLI::App& run, settings& s) {
  run.add_option("flow", s.run_flow, "The flow: load, transform, cleanup, traffic")->required();
  run.add_flag("--full-refresh", s.full_refresh,
               "transform: rebuild incremental models from scratch (parameter full_refresh)");
  run.add_option("-s,--select", s.transform_select,
                 "transform: only these models (dbt selection syntax; parameter select)")
      ->expected(1, -1);
  run.add_flag("--replay-rejects", s.replay_rejects,
               "load: retry the rejected records instead of loading segments (parameter "
               "replay_rejects)");
  run.add_option("--param", s.run_params, "A run parameter key=value (repeatable)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) {
              return fmt::format("'{}' is not key=value", v);
            }
            return {};
          },
          "KEY=VALUE"));
}

}  // namespace gg::app

#include "transform_options.hpp"

#include <gadgetgrove/core/time.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::app {

namespace {

CLI::Validator timestamp_check() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (parse_iso8601(v)) return {};
        return fmt::format("'{}' is not a date or timestamp (2026-01-31, 2026-01-31T10:00:00Z)", v);
      },
      "TIMESTAMP");
}

}  // namespace

void add_transform_options(CLI::App& t, settings& s) {
  static const std::vector<std::pair<std::string_view, transform_verb>> verbs{
      {"run", transform_verb::run},
      {"build", transform_verb::build},
      {"test", transform_verb::test},
      {"compile", transform_verb::compile},
      {"ls", transform_verb::ls},
      {"graph", transform_verb::graph},
      {"freshness", transform_verb::freshness}};
  t.add_option_function<std::string>(
      "action",
      [&s](const std::string& text) {
        for (const auto& [name, verb] : verbs) {
          if (name == text) {
            s.transform_action = verb;
            return;
          }
        }
        throw CLI::ValidationError(
            "action", fmt::format("'{}' is not one of run, build, test, compile, ls, graph, "
                                  "freshness",
                                  text));
      },
      "run (default), build, test, compile, ls, graph, freshness");
  t.add_option("--project", s.transform_project,
               "Project directory with dbt_project.yml (default: <sql-dir>/transform)");
  // Like dbt, one --select takes several space-separated values, and may be repeated.
  t.add_option("-s,--select", s.transform_select, "Nodes to include (dbt selection syntax)")
      ->expected(1, -1);
  t.add_option("--exclude", s.transform_exclude, "Nodes to leave out (dbt selection syntax)")
      ->expected(1, -1);
  t.add_option("--threads", s.transform_threads, "Nodes built at once, one connection each")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  t.add_flag("--full-refresh", s.full_refresh, "Rebuild incremental models from scratch");
  t.add_flag("--fail-fast", s.fail_fast, "Stop at the first error");
  t.add_option("--vars", s.transform_vars, "Project variables as YAML or JSON: '{key: value}'");
  t.add_option("--target-schema", s.target_schema, "target.schema for the templates")
      ->capture_default_str();
  t.add_option("--event-time-start", s.event_time_start, "Microbatch backfill start (UTC)")
      ->check(timestamp_check());
  t.add_option("--event-time-end", s.event_time_end, "Microbatch backfill end (UTC, exclusive)")
      ->check(timestamp_check());
  t.add_option("--target-path", s.target_path,
               "Write run_results.json (sources.json for freshness) into this directory");
}

}  // namespace gg::app

// `gadgetgrove transform [run|build|test|compile|ls|graph|freshness]`: the SQL project run
// against the same database `load` uses (a running serve's cluster, the embedded one started
// for the duration, or --database-url).

#include "commands.hpp"
#include "database.hpp"
#include "interrupt_watcher.hpp"
#include "process_setup.hpp"

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/transform/runner.hpp>

#include "project/output.hpp"
#include "project/project.hpp"
#include "project/selector.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace gg::app {

namespace {

// Exit status 2 is for what the user must fix in the command or the project.
int exit_code_for(const gg::error& e) {
  return e.code == errc::config || e.code == errc::invalid_input || e.code == errc::not_found ? 2
                                                                                              : 1;
}

// compile, ls and graph need no database: the project is loaded and printed. compile renders
// with is_incremental() false, i.e. the SQL of a first or full-refresh build.
int print_project(const settings& s, const std::filesystem::path& dir) {
  transform::load_options lo;
  lo.vars = s.transform_vars;
  lo.target_schema = s.target_schema;
  auto p = transform::project::load(dir, lo);
  if (!p) {
    fmt::print(stderr, "gadgetgrove transform: {}\n", p.error().message);
    return exit_code_for(p.error());
  }
  transform::selection sel;
  sel.select = s.transform_select;
  sel.exclude = s.transform_exclude;
  auto ids = transform::select(*p, sel);
  if (!ids) {
    fmt::print(stderr, "gadgetgrove transform: {}\n", ids.error().message);
    return 2;
  }
  if (s.transform_action == transform_verb::ls) {
    fmt::print("{}", transform::ls_output(*p, *ids));
  } else if (s.transform_action == transform_verb::graph) {
    fmt::print("{}", transform::graph_dot(*p, *ids));
  } else {
    auto text = transform::compile_output(*p, *ids);
    if (!text) {
      fmt::print(stderr, "gadgetgrove transform: {}\n", text.error().message);
      return exit_code_for(text.error());
    }
    fmt::print("{}", *text);
  }
  return 0;
}

}  // namespace

int run_transform(const parsed_cli& cli) {
  configure_logging(cli.opts);
  settings s = cli.opts;
  std::filesystem::path project_dir = s.transform_project;
  if (project_dir.empty()) {
    auto sql = resolve_sql_dir(s);
    if (!sql) {
      fmt::print(stderr, "gadgetgrove transform: {}\n", sql.error().message);
      return 2;
    }
    project_dir = *sql / "transform";
  }
  transform::run_options o;
  switch (s.transform_action) {
    case transform_verb::compile:
    case transform_verb::ls:
    case transform_verb::graph:
      return print_project(s, project_dir);
    case transform_verb::build:
      o.command = transform::run_command::build;
      break;
    case transform_verb::test:
      o.command = transform::run_command::test;
      break;
    case transform_verb::freshness:
      o.command = transform::run_command::freshness;
      break;
    case transform_verb::run:
      o.command = transform::run_command::run;
      break;
  }
  o.project_dir = project_dir;
  o.select = s.transform_select;
  o.exclude = s.transform_exclude;
  o.threads = s.transform_threads;
  o.full_refresh = s.full_refresh;
  o.fail_fast = s.fail_fast;
  o.vars = s.transform_vars;
  o.target_schema = s.target_schema;
  if (!s.event_time_start.empty()) o.event_time_start = parse_iso8601(s.event_time_start);
  if (!s.event_time_end.empty()) o.event_time_end = parse_iso8601(s.event_time_end);
  if (!s.target_path.empty()) o.target_path = std::filesystem::path(s.target_path);
  o.trigger = "cli";
  o.on_node_done = [](const transform::node_result& r) {
    fmt::print("{}  {}\n", format_iso8601_us(now_us()).substr(11, 8),
               transform::format_progress(r));
    std::fflush(stdout);
  };

  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    fmt::print(stderr, "gadgetgrove transform: {}\n", dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  auto db_options = database_options_for(s, /*owns_data_dir=*/false);
  if (!db_options) {
    fmt::print(stderr, "gadgetgrove transform: {}\n", db_options.error().message);
    return 1;
  }
  pg::database_stage db(std::move(*db_options));
  if (auto st = db.start(); !st) {
    fmt::print(stderr, "gadgetgrove transform: {}\n", st.error().message);
    return 1;
  }
  o.conninfo = db.conninfo();
  int code = 0;
  {
    interrupt_watcher interrupts("gadgetgrove transform: interrupted, cancelling the run");
    o.stop = interrupts.token();
    auto r = transform::run(o);
    if (!r) {
      fmt::print(stderr, "gadgetgrove transform: {}\n", r.error().message);
      code = exit_code_for(r.error());
    } else {
      fmt::print("\n{}", transform::format_summary(*r));
      code = r->exit_code();
    }
  }
  (void)db.drain(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  return code;
}

}  // namespace gg::app

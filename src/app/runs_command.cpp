// `gadgetgrove runs [--flow X] [--state S] [--limit N] [--json]`: the flows' run history, newest
// first, read from the database `load` and `transform` use (a running serve's cluster, the
// embedded one started for the duration, or --database-url).

#include "commands.hpp"
#include "database.hpp"
#include "process_setup.hpp"
#include "run_text.hpp"

#include <gadgetgrove/flows/run_history.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <fmt/format.h>

namespace gg::app {

int run_runs(const parsed_cli& cli) {
  configure_logging(cli.opts);
  settings s = cli.opts;
  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    fmt::print(stderr, "gadgetgrove runs: {}\n", dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  auto db_options = database_options_for(s, /*owns_data_dir=*/false);
  if (!db_options) {
    fmt::print(stderr, "gadgetgrove runs: {}\n", db_options.error().message);
    return 1;
  }
  pg::database_stage db(std::move(*db_options));
  if (auto st = db.start(); !st) {
    fmt::print(stderr, "gadgetgrove runs: {}\n", st.error().message);
    return 1;
  }
  int code = 0;
  {
    auto conn = pg::connection::open(db.conninfo());
    if (!conn) {
      fmt::print(stderr, "gadgetgrove runs: {}\n", conn.error().message);
      code = 1;
    } else {
      flows::run_filter filter;
      if (!s.runs_flow.empty()) filter.flow = s.runs_flow;
      filter.state = s.runs_state;
      filter.limit = s.runs_limit;
      auto runs = flows::list_runs(*conn, filter);
      if (!runs) {
        fmt::print(stderr, "gadgetgrove runs: {}\n", runs.error().message);
        code = 1;
      } else if (s.runs_json) {
        for (const auto& r : *runs) fmt::print("{}\n", run_json(r));
      } else {
        fmt::print("{}", runs_table(*runs));
      }
    }
  }
  (void)db.drain(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  return code;
}

}  // namespace gg::app

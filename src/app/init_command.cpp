#include "commands.hpp"
#include "database.hpp"
#include "process_setup.hpp"

#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>

namespace gg::app {

int run_init(const parsed_cli& cli) {
  configure_logging(cli.opts);
  settings s = cli.opts;
  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    fmt::print(stderr, "gadgetgrove init: {}\n", dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  auto db_options = database_options_for(s, /*owns_data_dir=*/false);
  if (!db_options) {
    fmt::print(stderr, "gadgetgrove init: {}\n", db_options.error().message);
    return 1;
  }
  pg::database_stage db(std::move(*db_options));
  if (auto st = db.start(); !st) {
    fmt::print(stderr, "gadgetgrove init: {}\n", st.error().message);
    return 1;
  }
  const auto& report = db.migrations();
  fmt::print("database {}: {} migration(s) applied, {} already up to date\n", db.masked_conninfo(),
             report.applied.size(), report.skipped.size());
  for (const auto& m : report.applied) fmt::print("  applied {:04d}_{}\n", m.version, m.name);
  if (auto st = db.drain(std::chrono::steady_clock::now() + std::chrono::seconds(30)); !st) {
    fmt::print(stderr, "gadgetgrove init: {}\n", st.error().message);
    return 1;
  }
  return 0;
}

}  // namespace gg::app

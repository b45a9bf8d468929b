#include "commands.hpp"
#include "database.hpp"
#include "loader_options.hpp"
#include "process_setup.hpp"

#include <gadgetgrove/loader/loader.hpp>

#include <fmt/format.h>

namespace gg::app {
namespace {

void print_summary(const loader::load_summary& s) {
  fmt::print("{:<18} {:>9} {:>12} {:>9} {:>14}\n", "queue", "segments", "rows", "rejected",
             "bytes");
  for (const auto& q : s.queues) {
    fmt::print("{:<18} {:>9} {:>12} {:>9} {:>14}\n", q.queue, q.segments, q.rows, q.rejected,
               q.bytes);
  }
  fmt::print("{:<18} {:>9} {:>12} {:>9} {:>14}\n", "total", s.segments(), s.rows(), s.rejected(),
             s.bytes());
  fmt::print("{:.3f} s, {:.0f} rows/s", s.seconds, s.rows_per_second());
  if (s.already_loaded > 0) fmt::print(", {} already loaded (archived)", s.already_loaded);
  if (s.quarantined > 0) fmt::print(", {} quarantined", s.quarantined);
  if (s.failed > 0) fmt::print(", {} failed (kept for the next run)", s.failed);
  fmt::print("\n");
  for (const auto& [reason, n] : s.rejects_by_reason) fmt::print("  rejected {}: {}\n", reason, n);
}

}  // namespace

int run_load(const parsed_cli& cli) {
  configure_logging(cli.opts);
  settings s = cli.opts;
  if (!s.load_once && !s.replay_rejects) {
    fmt::print(stderr, "gadgetgrove load: say what to do: --once and/or --replay-rejects\n");
    return 2;
  }
  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    fmt::print(stderr, "gadgetgrove load: {}\n", dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  auto db_options = database_options_for(s, /*owns_data_dir=*/false);
  if (!db_options) {
    fmt::print(stderr, "gadgetgrove load: {}\n", db_options.error().message);
    return 1;
  }
  pg::database_stage db(std::move(*db_options));
  if (auto st = db.start(); !st) {
    fmt::print(stderr, "gadgetgrove load: {}\n", st.error().message);
    return 1;
  }
  auto options = loader_options_for(s, db.conninfo());
  int code = 0;
  if (s.replay_rejects) {
    auto r = loader::replay_rejects(options);
    if (!r) {
      fmt::print(stderr, "gadgetgrove load: replaying rejects failed: {}\n", r.error().message);
      code = 1;
    } else {
      fmt::print("replayed {} rejected record(s): {} loaded, {} still rejected\n", r->examined,
                 r->loaded, r->still_rejected);
      for (const auto& [queue, n] : r->loaded_per_queue) fmt::print("  {}: {}\n", queue, n);
    }
  }
  if (s.load_once) {
    auto r = loader::load_once(options);
    if (!r) {
      fmt::print(stderr, "gadgetgrove load: {}\n", r.error().message);
      code = 1;
    } else {
      print_summary(*r);
      if (r->failed > 0 || r->first_error) {
        fmt::print(stderr, "gadgetgrove load: {} segment(s) failed: {}\n", r->failed,
                   r->first_error ? r->first_error->message : std::string("see the log"));
        code = 1;
      }
    }
  }
  (void)db.drain(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  return code;
}

}  // namespace gg::app

#include "commands.hpp"
#include "process_setup.hpp"

#include <gadgetgrove/traffic/simulate.hpp>

namespace gg::app {

int run_simulate(const parsed_cli& cli) {
  configure_logging(cli.opts);
  const settings& s = cli.opts;
  traffic::simulate_options o;
  if (!s.url.empty()) o.url = s.url;
  // simulate reads <data-dir>/serve.json only when the operator names the directory.
  for (const auto& origin : cli.origins) {
    if (origin.name == "data-dir" && origin.source != "default") o.data_dir = s.data_dir;
  }
  o.rate = s.rate;
  o.session_rate = s.session_rate;
  if (s.duration.count() > 0) o.duration = s.duration;
  o.concurrency = s.concurrency;
  if (s.seed != 0) o.seed = s.seed;
  o.backfill_days = s.backfill_days;
  o.backfill_sessions_per_day = s.backfill_sessions_per_day;
  o.think_scale = s.think_scale;
  o.threads = s.generator_threads;
  o.report_path = s.report;
  o.ack_log_path = s.ack_log;
  o.max_error_rate = s.max_error_rate;
  o.timeout = s.request_timeout;
  o.page_loads = !s.no_page_loads;
  o.progress = s.progress;
  return traffic::run_simulate(o);
}

}  // namespace gg::app

#pragma once
// /healthz, /readyz and /metrics: the operational endpoints both listeners share.

#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include <functional>
#include <string>
#include <vector>

namespace gg::app {

/// A stale flow as /readyz reports it.
struct stale_flow {
  std::string name;
  std::string reason;  // "no completed run for 6m12s (limit 5m)"
};

/// Adds /healthz (process alive) and /readyz (every stage up; 503 naming the ones that are not).
/// `stages` is called on every request and must be thread-safe. With `stale` (the admin
/// listener's /readyz), the answer also has "stale": the names of the flows that are stale, and
/// "stale_reasons": {flow: reason}. A stale flow does not make /readyz 503: the process still
/// serves, and restarting it or taking it out of rotation would not bring the data up to date.
/// The public listener passes no `stale`, so it never shows flow details. `stale` must be
/// thread-safe and must not block (it runs on an io thread).
void add_health_routes(http::router& r, std::function<std::vector<sched::stage_status>()> stages,
                       std::function<std::vector<stale_flow>()> stale = {});

/// Adds /metrics: the global registry in the Prometheus text format.
void add_metrics_route(http::router& r);

}  // namespace gg::app

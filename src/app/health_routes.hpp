#pragma once
// /healthz, /readyz and /metrics: the operational endpoints both listeners share.

#include <gadgetgrove/core/metrics.hpp>
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

/// What /readyz shows besides its status.
enum class readyz_detail {
  status_only,  // {"status":"ready"|"not ready"}: for the public listener, which must not
                // reveal paths, SQL errors or segment names
  full,         // also "failing" and every stage's state and detail: for the admin listener
};

/// Adds /healthz (process alive) and /readyz (every stage up, else 503). With
/// readyz_detail::full the answer names the failing stages and has each stage's state and
/// detail. `stages` is called on every request and must be thread-safe. With `stale` (the admin
/// listener's /readyz), the answer also has "stale": the names of the flows that are stale, and
/// "stale_reasons": {flow: reason}. A stale flow does not make /readyz 503: the process still
/// serves, and restarting it or taking it out of rotation would not bring the data up to date.
/// `stale` must be thread-safe and must not block (it runs on an io thread).
void add_health_routes(http::router& r, std::function<std::vector<sched::stage_status>()> stages,
                       readyz_detail detail, std::function<std::vector<stale_flow>()> stale = {});

/// Adds /metrics: `registry` (serve's process-wide one) in the Prometheus text format.
/// `registry` must outlive the router.
void add_metrics_route(http::router& r, metrics::registry& registry);

}  // namespace gg::app

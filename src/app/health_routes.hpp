#pragma once
// /healthz, /readyz and /metrics: the operational endpoints both listeners share.

#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include <functional>
#include <vector>

namespace gg::app {

/// Adds /healthz (process alive) and /readyz (every stage up; 503 naming the ones that are not).
/// `stages` is called on every request and must be thread-safe.
void add_health_routes(http::router& r, std::function<std::vector<sched::stage_status>()> stages);

/// Adds /metrics: the global registry in the Prometheus text format.
void add_metrics_route(http::router& r);

}  // namespace gg::app

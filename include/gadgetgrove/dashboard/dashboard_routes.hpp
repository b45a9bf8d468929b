#pragma once
// The dashboard's JSON API on the admin listener: GET /api/dashboard/<panel> for the panels
// kpis, daily, outcomes, funnel, products, cohorts, pages, sources, live and health. The
// contract (fields, defaults, errors) is docs/dashboard.md.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gg::dashboard {

/// What the health panel shows of one pipeline flow.
struct flow_health {
  std::string name;
  std::string state;  // running, pending, or the last run's state; "never_run" without runs
  std::optional<std::chrono::system_clock::time_point> last_success;
  bool stale = false;
};

struct dashboard_options {
  /// The reporting time zone: "UTC", "local", an offset ("+05:30") or an IANA name, as
  /// sched::time_zone_spec::parse() reads it. It decides "today" for the default range; the
  /// models bucket days by their var reporting_time_zone, which should name the same zone.
  std::string time_zone = "UTC";
  /// The pipeline flows for the health panel, called on the blocking pool; empty: no flows.
  std::function<std::vector<flow_health>()> flows;
  /// The models count simulated shoppers' events (var include_synthetic; serve's traffic demo):
  /// the health panel says so, and the page shows it.
  bool includes_synthetic = false;
};

/// Adds GET /api/dashboard/{panel} to `admin`. Every answer is JSON with Cache-Control:
/// no-store; 400 {"error"} for a bad query, 404 for an unknown panel, 503 when the database is
/// not ready. Parsing runs on the I/O thread; the database work runs on `blocking`, with a
/// connection from `pool()` (null while the database stage is starting: 503). Fails
/// (errc::config) when `options.time_zone` is not a zone.
gg::status add_dashboard_routes(http::router& admin, std::function<pg::pool*()> pool,
                                boost::asio::thread_pool::executor_type blocking,
                                dashboard_options options);

}  // namespace gg::dashboard

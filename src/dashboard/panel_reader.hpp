#pragma once
// The panels of the dashboard API: one validated query in, one JSON document out, read from
// the transformation runner's dashboard tables (the live and health panels: from the raw
// tables and the run history). Statements carry every value as a bound parameter.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/dashboard/dashboard_routes.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include "dashboard_query.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gg::dashboard {

enum class panel { kpis, daily, outcomes, funnel, products, cohorts, pages, sources, live, health };

/// The panel named `name` ("kpis", ...), or nullopt.
std::optional<panel> parse_panel(std::string_view name) noexcept;

/// What a panel needs besides its query.
struct panel_context {
  sys_us now;             // the clock the live and health panels count back from
  std::string time_zone;  // shown as "timezone"
  const std::function<std::vector<flow_health>()>* flows = nullptr;  // may be null or empty
  bool includes_synthetic = false;  // shown by health as "includes_synthetic"
};

/// Runs panel `p` on `conn` (blocking) and returns the response body. Before the models have
/// run (no dashboard tables yet) the panels answer zeros, empty lists and nulls. Errors are the
/// database's.
gg::result<std::string> read_panel(pg::connection& conn, panel p, const dashboard_query& q,
                                   const panel_context& ctx);

}  // namespace gg::dashboard

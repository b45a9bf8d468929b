#pragma once
// The pipeline's flows as the engine runs them: load, transform, cleanup and traffic, built
// from the settings and the stages they drive. serve registers them all; `gadgetgrove run`
// registers the one it runs.

#include "loaded_sources.hpp"
#include "settings.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/flows/flow.hpp>
#include <gadgetgrove/loader/loader.hpp>
#include <gadgetgrove/traffic/traffic_stage.hpp>
#include <gadgetgrove/transform/transform_stage.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gg::app {

/// What the flows' tasks drive. Each must outlive the engine the flows are added to.
struct pipeline_parts {
  /// The loader; null while it is not started (a task then fails as unavailable and the
  /// flow's retry policy takes over).
  std::function<loader::loader*()> loader;
  std::shared_ptr<transform::transform_stage> transformer;
  /// Set when synthetic traffic runs: the traffic flow reports its figures.
  std::shared_ptr<traffic::traffic_stage> traffic;
  /// The engine the flows run on (the cleanup flow prunes its history).
  flows::engine* engine = nullptr;
  /// Tables loaded since an event-triggered transform run last took them.
  std::shared_ptr<loaded_sources> loaded;
};

/// The flow definitions: load, transform, cleanup, and traffic when parts.traffic is set.
/// Schedules come from --load-schedule / --transform-schedule / --cleanup-schedule in
/// --timezone; retries, timeout from --flow-retries / --flow-retry-delay / --flow-timeout.
/// Errors: config for a schedule or zone that does not parse (the CLI validates them first).
gg::result<std::vector<flows::flow_definition>> pipeline_flows(const settings& s,
                                                               const pipeline_parts& parts);

/// Whether a node with `roles` runs the pipeline flow `flow`: load with the loader role,
/// transform with web, cleanup with web or loader (its archive step needs the loader's disk),
/// traffic with ingest.
bool runs_on(std::string_view flow, node_roles roles);

/// Checks a run's parameters against what `flow` takes (load: replay_rejects; transform:
/// full_refresh, select, exclude, command; cleanup and traffic: none). Errors: invalid_input
/// naming the parameter or value; not_found for a flow that is not one of the pipeline's.
gg::status check_parameters(std::string_view flow, const flows::parameters& params);

/// The hook of event-driven freshness, handed the queues that got rows by the load notices
/// (loader/load_notices.hpp): they are recorded in `loaded` and the transform flow is triggered
/// (trigger event) with select = the models depending on them. Triggers during a run are
/// coalesced by the engine. `engine` must outlive the stage the hook is given to.
std::function<void(const std::set<std::string>&)> transform_on_load(
    flows::engine& engine, std::shared_ptr<loaded_sources> loaded);

}  // namespace gg::app

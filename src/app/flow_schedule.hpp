#pragma once
// The schedule options of the pipeline flows (--load-schedule, --transform-schedule,
// --cleanup-schedule): one text form, parsed in one place for the command line's validation
// and for serve.

#include "settings.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/flows/flow.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <string>
#include <string_view>

namespace gg::app {

/// Parses a flow schedule: "every 60s" or a bare interval "60s" (parse_duration's units, more
/// than zero), a 5-field cron expression evaluated in `zone`, or "off" (the flow fires only
/// when triggered: by hand, through the API, or by an event). Errors: invalid_input with a
/// message saying which forms are accepted.
gg::result<flows::schedule> parse_flow_schedule(std::string_view text, sched::time_zone_spec zone);

/// The effective schedule text of each flow: the --*-schedule option, else the older interval
/// option it supersedes (--load-interval, --transform-interval; 0 is "off").
std::string load_schedule_text(const settings& s);
std::string transform_schedule_text(const settings& s);

}  // namespace gg::app

#pragma once
// How the CLI prints flow runs: the `runs` table and JSON lines, and `run`'s log lines. One
// format for the runs read from the database and those read from a serve's API, and the one
// JSON shape of a run, which the pipeline API serves too.

#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/flows/flow.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>

#include <string>
#include <string_view>
#include <vector>

namespace gg::app {

/// The aligned table: id, flow, trigger, state, attempt, started, duration, error (the error's
/// first line, shortened). "no runs" when `runs` is empty.
std::string runs_table(const std::vector<flows::run_record>& runs);

/// A time of the run history as JSON: RFC 3339 UTC with microseconds, as stored (two runs of
/// one flow often start within the same millisecond); null when absent.
boost::json::value time_json(const std::optional<flows::time_point>& t);

/// One run as JSON, the one shape of a run for `runs --json` and the pipeline API
/// (/api/runs, /api/flows): the members of pipeline.flow_runs, times in RFC 3339 UTC with
/// microseconds, absent values (and empty texts) null.
boost::json::object run_object(const flows::run_record& r);

/// run_object() as compact text (no trailing newline).
std::string run_json(const flows::run_record& r);

/// "12:00:01.250 INFO  [transform] message".
std::string log_line(std::string_view at, std::string_view level, std::string_view task,
                     std::string_view message);

}  // namespace gg::app

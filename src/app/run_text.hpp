#pragma once
// How the CLI prints flow runs: the `runs` table and JSON lines, and `run`'s log lines. One
// format for the runs read from the database and those read from a serve's API.

#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/flows/flow.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace gg::app {

/// The aligned table: id, flow, trigger, state, attempt, started, duration, error (the error's
/// first line, shortened). "no runs" when `runs` is empty.
std::string runs_table(const std::vector<flows::run_record>& runs);

/// One run as a JSON object (no trailing newline): the members of pipeline.flow_runs, times in
/// RFC 3339 UTC, absent values null.
std::string run_json(const flows::run_record& r);

/// "12:00:01.250 INFO  [transform] message".
std::string log_line(std::string_view at, std::string_view level, std::string_view task,
                     std::string_view message);

}  // namespace gg::app

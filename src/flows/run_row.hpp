#pragma once
// The one mapping between pipeline.flow_runs rows and run_record, shared by the engine and the
// history reader: the select list, the row reader, and the text forms of times and parameters
// sent as bound parameters.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/pg/query_result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gg::flows::detail {

/// The select list read_run() expects, for "SELECT <run_columns> FROM pipeline.flow_runs r".
/// Times come back as microseconds since the epoch, independent of the session's TimeZone.
inline constexpr std::string_view run_columns =
    "r.id::text, r.flow, r.trigger, r.state, r.attempt, r.parent_run::text, "
    "(extract(epoch FROM r.scheduled_for) * 1000000)::bigint, "
    "(extract(epoch FROM r.created_at) * 1000000)::bigint, "
    "(extract(epoch FROM r.started_at) * 1000000)::bigint, "
    "(extract(epoch FROM r.ended_at) * 1000000)::bigint, "
    "r.duration_s, r.error, r.parameters::text, r.node";
inline constexpr int run_column_count = 14;

/// The run in row `row`, columns from `first_col` on as run_columns lists them. An unknown
/// trigger or state, or parameters that are not a JSON object, is errc::invalid_input.
gg::result<run_record> read_run(const pg::query_result& r, int row, int first_col = 0);

/// A time as a bound parameter: ISO 8601 in UTC with microseconds ("...T20:51:41.123456Z").
std::string time_param(time_point t);
/// A bigint column of microseconds since the epoch; empty for NULL.
std::optional<time_point> read_time(const pg::query_result& r, int row, int col);

/// `p` as a JSON object of strings.
std::string params_json(const parameters& p);
/// A JSON object back into parameters; values that are not strings keep their JSON text.
gg::result<parameters> parse_params(std::string_view json);

}  // namespace gg::flows::detail

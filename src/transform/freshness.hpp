#pragma once
// Source freshness: how old the newest row of a source table is, against warn_after/error_after.

#include "project/node.hpp"
#include "statement_runner.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/transform/node_result.hpp>

#include <optional>
#include <string>

namespace gg::transform {

struct freshness_spec {
  std::string unique_id;
  relation_name relation;
  std::string loaded_at_field;  // a column or SQL expression, as dbt allows
  std::string filter;           // optional WHERE condition (SQL)
  std::optional<double> warn_after_seconds;
  std::optional<double> error_after_seconds;
};

struct freshness_outcome {
  node_status status = node_status::pass;  // pass | warn | error
  std::optional<sys_us> max_loaded_at;
  std::optional<double> age_seconds;
  std::string message;
};

/// "12 hour", {count: 12, period: hour}: seconds of a dbt freshness threshold; errc::config for
/// an unknown period (minute, hour, day are dbt's).
result<double> freshness_seconds(std::int64_t count, std::string_view period);

/// Queries max(loaded_at_field) of the source (with its filter) and judges it. Blocks. A table
/// without rows is an error outcome, not a failed call; a query error is returned.
result<freshness_outcome> check_freshness(statement_runner& stmt, const freshness_spec& spec);

}  // namespace gg::transform

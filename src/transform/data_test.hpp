#pragma once
// Runs one data test: the failing-rows query counted the way dbt counts it, judged by severity
// and warn_if / error_if, its failing rows optionally stored in the audit schema.

#include "project/node.hpp"
#include "statement_runner.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/transform/node_result.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gg::transform {

struct test_spec {
  std::string unique_id;
  std::string path;  // the YAML file or singular test file, for messages
  std::string sql;   // the compiled query returning the failing rows (`where` already applied)
  std::string severity = "error";  // error | warn
  std::string warn_if = "!= 0";
  std::string error_if = "!= 0";
  std::optional<std::int64_t> limit;
  bool store_failures = false;
  relation_name audit_relation;  // where store_failures puts the rows
};

struct test_outcome {
  node_status status = node_status::pass;  // pass | warn | fail
  std::uint64_t failures = 0;
  std::string message;  // "Got 3 results, configured to fail if != 0"
};

/// A warn_if / error_if condition ("!=0", "> 10", "=0") normalised to "<op> <integer>";
/// errc::config for anything else (the condition becomes SQL text, so nothing else may pass).
result<std::string> parse_test_condition(std::string_view text);

/// Runs the test on `stmt`'s connection. Blocks. errc::cancelled when stopped; a query error is
/// returned as an error naming the test's file and line.
result<test_outcome> run_data_test(statement_runner& stmt, const test_spec& spec);

}  // namespace gg::transform

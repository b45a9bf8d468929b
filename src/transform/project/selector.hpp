#pragma once
// dbt's node selection syntax: `m`, `m+`, `+m`, `2+m`, `m+3`, `@m`, `path:`, `tag:`,
// `config.<key>:`, `source:`, `resource_type:`, `test_type:`, `fqn:`, wildcards, unions
// (space / separate arguments), intersections (comma) and exclusion.

#include "project/project.hpp"

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <vector>

namespace gg::transform {

/// What `--select` / `--exclude` say. Each string may hold several space-separated terms
/// (a union); a term may join criteria with commas (an intersection).
struct selection {
  std::vector<std::string> select;  // empty: every node
  std::vector<std::string> exclude;
  /// Eager indirect selection (dbt's default for build/test): a test is selected when any node
  /// it tests is selected, unless it is excluded.
  bool indirect_tests = true;
};

/// The unique ids `sel` selects from `p`, in graph order. Errors (errc::invalid_input): a
/// malformed term or an unknown method, naming the term.
gg::result<std::vector<std::string>> select(const project& p, const selection& sel);

}  // namespace gg::transform

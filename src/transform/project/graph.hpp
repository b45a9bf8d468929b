#pragma once
// The dependency graph of a project's nodes: parents, children and a stable topological order.

#include "project/node.hpp"

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gg::transform {

/// Parents and children of every node, keyed by unique id. Immutable after build; safe to read
/// from several threads.
class graph {
 public:
  graph() = default;

  /// Builds the graph of `nodes` from their depends_on. Errors (errc::invalid_input): a
  /// dependency on an unknown id; a cycle, named as its chain with files, e.g.
  /// "dependency cycle: model.p.a (models/a.sql) -> model.p.b (models/b.sql) -> model.p.a".
  static gg::result<graph> build(const std::vector<node>& nodes);

  /// Every node id in topological order: parents before children, ties broken by unique_id.
  const std::vector<std::string>& order() const noexcept { return order_; }
  /// Direct parents / children of `id` (sorted); empty for an unknown id.
  const std::vector<std::string>& parents(std::string_view id) const noexcept;
  const std::vector<std::string>& children(std::string_view id) const noexcept;
  /// All ancestors / descendants of `id`, up to `depth` edges away (-1: unlimited), not
  /// including `id`.
  std::vector<std::string> ancestors(std::string_view id, int depth = -1) const;
  std::vector<std::string> descendants(std::string_view id, int depth = -1) const;
  /// The position of `id` in order(); order().size() for an unknown id.
  std::size_t position(std::string_view id) const noexcept;
  bool contains(std::string_view id) const noexcept { return index_.count(std::string(id)) != 0; }

 private:
  std::vector<std::string> order_;
  std::unordered_map<std::string, std::size_t> index_;  // id -> position in order_
  std::vector<std::vector<std::string>> parents_;       // by position
  std::vector<std::vector<std::string>> children_;      // by position
};

}  // namespace gg::transform

#include "project/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <queue>
#include <set>
#include <unordered_set>

namespace gg::transform {
namespace {

const std::vector<std::string> no_ids;

std::string describe(const node& n) {
  return n.original_file_path.empty() ? n.unique_id
                                      : fmt::format("{} ({})", n.unique_id, n.original_file_path);
}

/// A cycle among the nodes Kahn's algorithm could not order, as "a (f) -> b (g) -> a (f)".
std::string find_cycle(const std::vector<node>& nodes,
                       const std::unordered_map<std::string, std::size_t>& by_id,
                       const std::vector<bool>& ordered) {
  // Walk parents from an unordered node: every unordered node has an unordered parent, so the
  // walk must revisit a node; the part from its first visit is the cycle.
  std::size_t start = 0;
  while (start < nodes.size() && ordered[start]) ++start;
  std::vector<std::size_t> path;
  std::unordered_map<std::size_t, std::size_t> seen_at;
  std::size_t cur = start;
  while (seen_at.find(cur) == seen_at.end()) {
    seen_at[cur] = path.size();
    path.push_back(cur);
    std::vector<std::string> parents = nodes[cur].depends_on;
    std::sort(parents.begin(), parents.end());
    for (const std::string& p : parents) {
      const std::size_t pi = by_id.at(p);
      if (!ordered[pi]) {
        cur = pi;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(path.begin() + static_cast<std::ptrdiff_t>(seen_at[cur]),
                                 path.end());
  // The walk went child -> parent; print in dependency direction (parent -> child).
  std::reverse(cycle.begin(), cycle.end());
  // Start at the smallest id, so one cycle is always reported the same way.
  auto first = std::min_element(cycle.begin(), cycle.end(), [&](std::size_t a, std::size_t b) {
    return nodes[a].unique_id < nodes[b].unique_id;
  });
  std::rotate(cycle.begin(), first, cycle.end());
  std::string out;
  for (std::size_t i : cycle) out += describe(nodes[i]) + " -> ";
  out += describe(nodes[cycle.front()]);
  return out;
}

}  // namespace

gg::result<graph> graph::build(const std::vector<node>& nodes) {
  std::unordered_map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < nodes.size(); ++i) by_id.emplace(nodes[i].unique_id, i);

  std::vector<std::vector<std::size_t>> kids(nodes.size());
  std::vector<std::size_t> pending(nodes.size(), 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::unordered_set<std::string> seen;
    for (const std::string& p : nodes[i].depends_on) {
      auto it = by_id.find(p);
      if (it == by_id.end()) {
        return gg::fail(errc::invalid_input, fmt::format("{} depends on {}, which does not exist",
                                                         describe(nodes[i]), p));
      }
      if (!seen.insert(p).second) continue;
      kids[it->second].push_back(i);
      ++pending[i];
    }
  }

  // Kahn's algorithm with the smallest unique id first: the same project always orders the same.
  auto later = [&](std::size_t a, std::size_t b) {
    return nodes[a].unique_id > nodes[b].unique_id;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  graph g;
  std::vector<bool> ordered(nodes.size(), false);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    ordered[i] = true;
    g.index_.emplace(nodes[i].unique_id, g.order_.size());
    g.order_.push_back(nodes[i].unique_id);
    for (std::size_t k : kids[i]) {
      if (--pending[k] == 0) ready.push(k);
    }
  }
  if (g.order_.size() != nodes.size()) {
    return gg::fail(errc::invalid_input,
                    fmt::format("dependency cycle: {}", find_cycle(nodes, by_id, ordered)));
  }
  g.parents_.resize(nodes.size());
  g.children_.resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::size_t pos = g.index_.at(nodes[i].unique_id);
    std::set<std::string> ps(nodes[i].depends_on.begin(), nodes[i].depends_on.end());
    g.parents_[pos].assign(ps.begin(), ps.end());
    for (const std::string& p : ps) g.children_[g.index_.at(p)].push_back(nodes[i].unique_id);
  }
  for (auto& c : g.children_) std::sort(c.begin(), c.end());
  return g;
}

const std::vector<std::string>& graph::parents(std::string_view id) const noexcept {
  auto it = index_.find(std::string(id));
  return it == index_.end() ? no_ids : parents_[it->second];
}

const std::vector<std::string>& graph::children(std::string_view id) const noexcept {
  auto it = index_.find(std::string(id));
  return it == index_.end() ? no_ids : children_[it->second];
}

std::size_t graph::position(std::string_view id) const noexcept {
  auto it = index_.find(std::string(id));
  return it == index_.end() ? order_.size() : it->second;
}

namespace {

std::vector<std::string> walk(
    const graph& g, std::string_view id, int depth,
    const std::function<const std::vector<std::string>&(std::string_view)>& next) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen{std::string(id)};
  std::vector<std::string> frontier{std::string(id)};
  for (int level = 0; !frontier.empty() && (depth < 0 || level < depth); ++level) {
    std::vector<std::string> following;
    for (const std::string& f : frontier) {
      for (const std::string& n : next(f)) {
        if (seen.insert(n).second) {
          out.push_back(n);
          following.push_back(n);
        }
      }
    }
    frontier = std::move(following);
  }
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    return g.position(a) < g.position(b);
  });
  return out;
}

}  // namespace

std::vector<std::string> graph::ancestors(std::string_view id, int depth) const {
  return walk(*this, id, depth,
              [this](std::string_view n) -> const std::vector<std::string>& { return parents(n); });
}

std::vector<std::string> graph::descendants(std::string_view id, int depth) const {
  return walk(*this, id, depth, [this](std::string_view n) -> const std::vector<std::string>& {
    return children(n);
  });
}

}  // namespace gg::transform

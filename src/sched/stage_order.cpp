#include "stage_order.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gg::sched::detail {
namespace {

enum class mark { unvisited, visiting, done };

struct graph {
  const std::vector<std::shared_ptr<gg::stage>>& stages;
  std::vector<std::vector<std::size_t>> deps;
  std::vector<mark> marks;
  std::vector<std::size_t> path;  // the stages being visited, outermost first
  std::vector<std::shared_ptr<gg::stage>> order;

  gg::status visit(std::size_t i) {
    if (marks[i] == mark::done) return {};
    if (marks[i] == mark::visiting) {
      std::string cycle;
      std::size_t from = 0;
      while (path[from] != i) ++from;
      for (std::size_t k = from; k < path.size(); ++k) {
        cycle += stages[path[k]]->name();
        cycle += " -> ";
      }
      cycle += stages[i]->name();
      return gg::fail(gg::errc::config, fmt::format("stage dependency cycle: {}", cycle));
    }
    marks[i] = mark::visiting;
    path.push_back(i);
    for (std::size_t d : deps[i]) {
      if (auto st = visit(d); !st) return st;
    }
    path.pop_back();
    marks[i] = mark::done;
    order.push_back(stages[i]);
    return {};
  }
};

}  // namespace

gg::result<std::vector<std::shared_ptr<gg::stage>>> order_stages(
    const std::vector<std::shared_ptr<gg::stage>>& stages) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (!index.emplace(stages[i]->name(), i).second) {
      return gg::fail(gg::errc::config,
                      fmt::format("stage \"{}\" was added twice", stages[i]->name()));
    }
  }
  graph g{stages,
          std::vector<std::vector<std::size_t>>(stages.size()),
          std::vector<mark>(stages.size(), mark::unvisited),
          {},
          {}};
  for (std::size_t i = 0; i < stages.size(); ++i) {
    for (const std::string& dep : stages[i]->depends_on()) {
      const auto found = index.find(dep);
      if (found == index.end()) {
        return gg::fail(
            gg::errc::config,
            fmt::format("stage \"{}\" depends on unknown stage \"{}\"", stages[i]->name(), dep));
      }
      g.deps[i].push_back(found->second);
    }
  }
  g.order.reserve(stages.size());
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (auto st = g.visit(i); !st) return st.error();
  }
  return std::move(g.order);
}

}  // namespace gg::sched::detail

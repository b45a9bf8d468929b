#include "cycle_collector.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace gg::transform::jinja::detail {
namespace {

using weak_node = std::variant<std::weak_ptr<list>, std::weak_ptr<dict>, std::weak_ptr<object>>;
using node = std::variant<std::shared_ptr<list>, std::shared_ptr<dict>, std::shared_ptr<object>>;

struct registry {
  std::size_t active = 0;  // collectors alive on this thread
  std::vector<weak_node> nodes;
  // Past this size the expired entries are dropped, so a long render that makes and drops
  // many containers holds only the ones still alive (plus at most as many expired).
  std::size_t compact_at = 1024;
};

registry& thread_registry() {
  thread_local registry r;
  return r;
}

void record(weak_node n) {
  registry& r = thread_registry();
  if (r.active == 0) return;
  if (r.nodes.size() >= r.compact_at) {
    std::erase_if(r.nodes, [](const weak_node& w) {
      return std::visit([](const auto& p) { return p.expired(); }, w);
    });
    r.compact_at = std::max<std::size_t>(1024, 2 * r.nodes.size());
  }
  r.nodes.push_back(std::move(n));
}

const void* identity(const node& n) {
  return std::visit([](const auto& p) { return static_cast<const void*>(p.get()); }, n);
}

// The container a value refers to (the identity of a node), or nullptr for scalars.
const void* identity(const value& v) {
  switch (v.kind()) {
    case value_kind::list:
      return v.list_ptr().get();
    case value_kind::dict:
      return v.dict_ptr().get();
    case value_kind::object:
      return v.as_object().get();
    default:
      return nullptr;
  }
}

template <typename Fn>
void for_each_child(const node& n, Fn&& fn) {
  if (const auto* l = std::get_if<std::shared_ptr<list>>(&n)) {
    for (const value& v : **l) fn(v);
  } else if (const auto* d = std::get_if<std::shared_ptr<dict>>(&n)) {
    for (const auto& [k, v] : **d) fn(v);
  } else {
    std::get<std::shared_ptr<object>>(n)->for_each_value(fn);
  }
}

}  // namespace

cycle_collector::cycle_collector() { ++thread_registry().active; }

cycle_collector::~cycle_collector() {
  registry& r = thread_registry();
  if (r.active == 1) collect();
  --r.active;
}

void cycle_collector::track(const std::shared_ptr<list>& l) { record(std::weak_ptr<list>(l)); }
void cycle_collector::track(const std::shared_ptr<dict>& d) { record(std::weak_ptr<dict>(d)); }
void cycle_collector::track(const std::shared_ptr<object>& o) { record(std::weak_ptr<object>(o)); }

void cycle_collector::collect() {
  registry& r = thread_registry();
  std::vector<weak_node> recorded = std::exchange(r.nodes, {});
  r.compact_at = 1024;
  std::vector<node> nodes;
  std::unordered_map<const void*, std::size_t> index;
  for (const weak_node& w : recorded) {
    node n = std::visit([](const auto& p) -> node { return p.lock(); }, w);
    const void* id = identity(n);
    if (id == nullptr || index.count(id)) continue;
    index.emplace(id, nodes.size());
    nodes.push_back(std::move(n));
  }
  recorded.clear();
  // A node's references not held by other nodes come from outside (the caller's values, the
  // context, globals): such a node, and all it reaches, is in use.
  std::vector<long> outside(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    outside[i] = std::visit([](const auto& p) { return p.use_count(); }, nodes[i]) - 1;
  }
  for (const node& n : nodes) {
    for_each_child(n, [&](const value& v) {
      auto it = index.find(identity(v));
      if (it != index.end()) --outside[it->second];
    });
  }
  std::vector<bool> reachable(nodes.size(), false);
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (outside[i] > 0) {
      reachable[i] = true;
      pending.push_back(i);
    }
  }
  while (!pending.empty()) {
    std::size_t i = pending.back();
    pending.pop_back();
    for_each_child(nodes[i], [&](const value& v) {
      auto it = index.find(identity(v));
      if (it != index.end() && !reachable[it->second]) {
        reachable[it->second] = true;
        pending.push_back(it->second);
      }
    });
  }
  // Emptied in two steps: the contents move out first, so no container is destroyed while
  // another unreachable one is being emptied; they are freed when `lists`, `dicts` and `nodes` go.
  std::vector<list> lists;
  std::vector<dict> dicts;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (reachable[i]) continue;
    if (auto* l = std::get_if<std::shared_ptr<list>>(&nodes[i])) {
      lists.push_back(std::exchange(**l, {}));
    } else if (auto* d = std::get_if<std::shared_ptr<dict>>(&nodes[i])) {
      dicts.push_back(std::exchange(**d, {}));
    } else {
      std::get<std::shared_ptr<object>>(nodes[i])->release_values();
    }
  }
}

}  // namespace gg::transform::jinja::detail

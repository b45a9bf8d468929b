#include "graph_executor.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace gg::transform {

bool lets_descendants_run(node_status s) noexcept {
  return s == node_status::success || s == node_status::pass || s == node_status::warn;
}

namespace {

enum class node_state { waiting, ready, running, done };

class scheduler_state {
 public:
  scheduler_state(std::vector<exec_node>& nodes, const executor_options& options)
      : nodes_(nodes),
        options_(options),
        state_(nodes.size(), node_state::waiting),
        waiting_on_(nodes.size(), 0),
        children_(nodes.size()),
        blocker_(nodes.size()) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      waiting_on_[i] = nodes[i].parents.size();
      for (auto p : nodes[i].parents) children_[p].push_back(i);
    }
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (waiting_on_[i] == 0) make_ready(i);
    }
  }

  // Runs nodes until none is left or scheduling ends; one call per worker thread.
  void work(statement_runner& stmt, const std::string& thread_id) {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return halted() || !ready_.empty() || done_ == nodes_.size(); });
      if (done_ == nodes_.size() || halted()) break;
      const std::size_t i = *ready_.begin();
      ready_.erase(ready_.begin());
      state_[i] = node_state::running;
      lock.unlock();
      node_result r = run_one(i, stmt, thread_id);
      const bool ok = lets_descendants_run(r.status);
      lock.lock();
      finish(i, std::move(r));
      if (!ok && options_.fail_fast && !fail_fast_hit_) {
        fail_fast_hit_ = true;
        fail_fast_cause_ = nodes_[i].unique_id;
      }
      changed_.notify_all();
    }
    changed_.notify_all();
  }

  // Wakes idle workers so they notice a stop request.
  void wake() {
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }

  // After every worker returned: whatever never ran is reported skipped (or cancelled).
  std::vector<node_result> finish_run() {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (state_[i] == node_state::done) continue;
      node_result r = base_result(i);
      if (options_.stop.stop_requested()) {
        r.status = node_status::cancelled;
        r.message = "cancelled before it started";
      } else {
        r.status = node_status::skipped;
        r.message = fmt::format("skipped: --fail-fast after {} failed", fail_fast_cause_);
      }
      finish(i, std::move(r));
    }
    return std::move(results_);
  }

 private:
  bool halted() const { return fail_fast_hit_ || options_.stop.stop_requested(); }

  node_result base_result(std::size_t i) const {
    node_result r;
    r.unique_id = nodes_[i].unique_id;
    r.resource_type = nodes_[i].resource_type;
    r.name = nodes_[i].name;
    r.relation = nodes_[i].relation;
    r.materialization = nodes_[i].materialization;
    r.started = now_us();
    return r;
  }

  node_result run_one(std::size_t i, statement_runner& stmt, const std::string& thread_id) {
    const sys_us started = now_us();
    const auto t0 = std::chrono::steady_clock::now();
    node_result r = nodes_[i].execute(stmt);
    r.unique_id = nodes_[i].unique_id;
    r.resource_type = nodes_[i].resource_type;
    r.name = nodes_[i].name;
    r.relation = nodes_[i].relation;
    r.materialization = nodes_[i].materialization;
    r.started = started;
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    r.thread_id = thread_id;
    return r;
  }

  void make_ready(std::size_t i) {
    if (blocker_[i]) {
      // A parent failed: this node is skipped without running, and so are its descendants.
      node_result r = base_result(i);
      if (options_.stop.stop_requested()) {
        r.status = node_status::cancelled;
        r.message = "cancelled before it started";
      } else {
        r.status = node_status::skipped;
        r.message = fmt::format("skipped: upstream {} did not succeed", *blocker_[i]);
      }
      finish(i, std::move(r));
      return;
    }
    state_[i] = node_state::ready;
    ready_.insert(i);
  }

  void finish(std::size_t i, node_result r) {
    state_[i] = node_state::done;
    ++done_;
    const bool ok = lets_descendants_run(r.status);
    const std::string cause = blocker_[i] ? *blocker_[i] : nodes_[i].unique_id;
    if (options_.on_done) options_.on_done(r);
    results_.push_back(std::move(r));
    for (auto c : children_[i]) {
      if (!ok && !blocker_[c]) blocker_[c] = cause;
      if (--waiting_on_[c] == 0 && state_[c] == node_state::waiting) make_ready(c);
    }
  }

  std::vector<exec_node>& nodes_;
  const executor_options& options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<node_state> state_;
  std::vector<std::size_t> waiting_on_;
  std::vector<std::vector<std::size_t>> children_;
  std::vector<std::optional<std::string>> blocker_;  // the failed ancestor that skips a node
  std::set<std::size_t> ready_;                      // lowest index first: DAG order
  std::size_t done_ = 0;
  bool fail_fast_hit_ = false;
  std::string fail_fast_cause_;
  std::vector<node_result> results_;
};

}  // namespace

result<std::vector<node_result>> execute_graph(std::vector<exec_node> nodes,
                                               const executor_options& options) {
  if (nodes.empty()) return std::vector<node_result>{};
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (auto p : nodes[i].parents) {
      if (p >= i) return error{errc::internal, "graph nodes are not in DAG order"};
    }
  }
  const std::size_t workers =
      std::max<std::size_t>(1, std::min<std::size_t>(options.threads, nodes.size()));
  std::vector<pg::connection> connections;
  connections.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    auto c = pg::connection::open(options.conninfo);
    if (!c) return c.error();
    // No JIT for the models' statements: an incremental run is many short statements, planned
    // from temporary tables without statistics, whose row estimates are far too high, so
    // PostgreSQL compiled for longer than it ran (at 5,000 events/s, 1.4 s of compiling for
    // dashboard_filtered_pages' 0.8 s statement, and more as the tables grew). A model that
    // wants it sets `set local jit = on` in a pre-hook (its transaction only).
    if (auto r = c->exec("SET jit = off"); !r) return r.error();
    connections.push_back(std::move(*c));
  }
  scheduler_state state(nodes, options);
  std::stop_callback on_stop(options.stop, [&] { state.wake(); });
  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        statement_runner stmt(connections[w], options.stop);
        state.work(stmt, fmt::format("Thread-{}", w + 1));
      });
    }
  }
  connections.clear();
  return state.finish_run();
}

}  // namespace gg::transform

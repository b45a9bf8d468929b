#pragma once
// The raw tables loaded since the transform flow last took them: what makes an event-driven
// transform run select exactly the models that depend on new rows.

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace gg::app {

/// Load notices (loader/load_notices.hpp) add the queues that got rows; an event-triggered
/// transform run takes them when it starts (and puts them back when it fails). A trigger folded
/// into a pending run keeps that run's parameters (the engine's coalescing), so the run cannot
/// learn the tables from its parameters alone: they are collected here until a run takes them.
/// Thread-safe.
class loaded_sources {
 public:
  /// Records `queues` (tables that got rows, from the load notices).
  void add(const std::set<std::string>& queues);
  /// The queues recorded so far, leaving none.
  std::set<std::string> take();
  /// Records `queues` again (a run that took them did not complete).
  void put_back(const std::set<std::string>& queues);

  /// The dbt selection of the models depending on `queues`: "source:raw_data.<queue>+" each.
  static std::vector<std::string> selection(const std::set<std::string>& queues);

 private:
  std::mutex mutex_;
  std::set<std::string> queues_;
};

}  // namespace gg::app

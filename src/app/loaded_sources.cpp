#include "loaded_sources.hpp"

#include <utility>

namespace gg::app {

void loaded_sources::add(const std::set<std::string>& queues) {
  std::lock_guard lock(mutex_);
  queues_.insert(queues.begin(), queues.end());
}

std::set<std::string> loaded_sources::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(queues_, {});
}

void loaded_sources::put_back(const std::set<std::string>& queues) {
  std::lock_guard lock(mutex_);
  queues_.insert(queues.begin(), queues.end());
}

std::vector<std::string> loaded_sources::selection(const std::set<std::string>& queues) {
  std::vector<std::string> out;
  out.reserve(queues.size());
  // The shipped project declares the loader's tables as source raw_data (sql/transform/models/
  // staging/sources.yml), one table per queue.
  for (const auto& q : queues) out.push_back("source:raw_data." + q + "+");
  return out;
}

}  // namespace gg::app

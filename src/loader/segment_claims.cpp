#include "segment_claims.hpp"

#include <chrono>

namespace gg::loader::detail {

segment_claims::segment_claims(std::vector<eventlog::queue_id> queues)
    : queues_(std::move(queues)), taken_(queues_.size(), 0) {}

std::optional<std::size_t> segment_claims::take_locked(bool& left) {
  while (first_untaken_ < taken_.size() && taken_[first_untaken_] != 0) ++first_untaken_;
  left = first_untaken_ < taken_.size();
  for (std::size_t i = first_untaken_; i < taken_.size(); ++i) {
    const std::size_t q = eventlog::index_of(queues_[i]);
    if (taken_[i] != 0 || (one_per_queue_ && busy_[q] != 0)) continue;
    taken_[i] = 1;
    ++busy_[q];
    return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> segment_claims::claim(const std::function<bool()>& stop) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stop && stop()) return std::nullopt;
    bool left = false;
    if (auto i = take_locked(left)) return i;
    if (!left) return std::nullopt;
    // A stop only sets a flag somewhere, without notifying: poll it.
    released_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

std::optional<std::size_t> segment_claims::try_claim() {
  std::lock_guard lock(mutex_);
  bool left = false;
  return take_locked(left);
}

void segment_claims::release(std::size_t i, bool had_duplicates) {
  {
    std::lock_guard lock(mutex_);
    --busy_[eventlog::index_of(queues_[i])];
    if (had_duplicates) one_per_queue_ = true;
  }
  released_.notify_all();
}

bool segment_claims::one_per_queue() const {
  std::lock_guard lock(mutex_);
  return one_per_queue_;
}

}  // namespace gg::loader::detail

#pragma once
// Which pending segment each worker of one loader run takes next.

#include <gadgetgrove/eventlog/queue_id.hpp>

#include <array>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace gg::loader::detail {

/// Hands out the indexes of a run's pending segments (oldest first), each once. Once a loaded
/// segment held duplicates (a client's retries), two workers no longer load segments of the
/// same queue at once while a segment of another queue is waiting: a row whose id the other
/// worker copied in its open transaction would make the COPY wait for that whole transaction
/// (the unique index on event_id) and then fail, so the workers would take turns instead of
/// running side by side. Without duplicates any segment goes to any worker.
///
/// Thread-safe: claim() and release() are called by every worker of the run.
class segment_claims {
 public:
  /// `queues[i]` is the queue of pending segment i.
  explicit segment_claims(std::vector<eventlog::queue_id> queues);

  /// The next segment for a worker; nullopt when none is left or `stop()` returns true. When
  /// every segment left is of a queue being loaded (and duplicates were seen), blocks until a
  /// release() or, polling `stop` every 50 ms, a stop.
  std::optional<std::size_t> claim(const std::function<bool()>& stop);
  /// Like claim() but never blocks: nullopt also when a segment is left but may not be taken
  /// now.
  std::optional<std::size_t> try_claim();
  /// Segment `i` is done (loaded or not); `had_duplicates` when it held duplicate event ids.
  void release(std::size_t i, bool had_duplicates);

  bool one_per_queue() const;

 private:
  std::optional<std::size_t> take_locked(bool& left);

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<eventlog::queue_id> queues_;
  std::vector<char> taken_;
  std::size_t first_untaken_ = 0;
  std::array<unsigned, eventlog::queue_count> busy_{};
  bool one_per_queue_ = false;
};

}  // namespace gg::loader::detail

#pragma once
// Decides when the loader's continuous mode runs a micro-batch: when a segment is sealed
// (inotify), every poll interval as the safety net, and not again before a failed batch's
// hold-off has passed.

#include <gadgetgrove/core/stage.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace gg::loader::detail {

struct watcher_options {
  /// Directories whose new files (IN_MOVED_TO, IN_CLOSE_WRITE) wake a batch at once.
  std::vector<std::filesystem::path> dirs;
  /// A batch also runs this long after the poll timer last fired, whatever inotify said.
  std::chrono::milliseconds poll_interval{1000};
  /// False: the poll timer alone (file systems without inotify).
  bool use_inotify = true;
};

/// One micro-batch. It returns how long to hold off before the next one (a failed batch's
/// backoff) or zero to run again at the next wake-up.
using batch_fn = std::function<std::chrono::milliseconds()>;

/// Runs `batch` on the blocking executor whenever it is woken, never two at once: a wake-up
/// while a batch runs (or is queued) is folded into one follow-up batch, and wake-ups during a
/// hold-off are dropped because the hold-off's end runs one. The inotify descriptor and the
/// timers live on the io_context; nothing here blocks an io thread.
///
/// Thread safety: every member may be called from any thread. Shared-owned: pending handlers
/// hold a reference, so the watcher outlives them; the io_context must outlive the watcher.
class segment_watcher : public std::enable_shared_from_this<segment_watcher> {
 public:
  static std::shared_ptr<segment_watcher> create(boost::asio::io_context& io,
                                                 boost::asio::thread_pool::executor_type blocking,
                                                 watcher_options options, batch_fn batch);

  segment_watcher(const segment_watcher&) = delete;
  segment_watcher& operator=(const segment_watcher&) = delete;

  /// Watches the directories (one that cannot be watched is logged and left to the poll
  /// timer), arms the poll timer and queues a first batch. Call once.
  void start();
  /// Asks for a batch: queued at once when idle, else folded into the follow-up.
  void wake();
  /// No further batches: closes the inotify descriptor, cancels the timers and drops a batch
  /// queued but not yet started. The running batch goes on; does not wait. Idempotent.
  void request_stop();
  /// Waits until no batch is running or queued; false if `until` passed first.
  bool wait_idle(gg::deadline until);
  /// Waits, without a limit, until no batch is running or queued.
  void wait_idle();
  /// Batches run so far.
  std::uint64_t batches() const;

 private:
  enum class phase { idle, queued, running };

  segment_watcher(boost::asio::io_context& io, boost::asio::thread_pool::executor_type blocking,
                  watcher_options options, batch_fn batch);

  // The callers below hold mutex_.
  void queue_batch_locked();
  void arm_poll_locked();
  void arm_inotify_locked();
  void hold_off_locked(std::chrono::milliseconds delay);

  void run_batch();

  const watcher_options options_;
  const batch_fn batch_;
  boost::asio::thread_pool::executor_type blocking_;

  // Guards everything below, the asio objects included: they are touched from io threads
  // (their handlers) and from the blocking pool (a batch's end arms the hold-off).
  mutable std::mutex mutex_;
  std::condition_variable idle_cv_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer hold_timer_;
  std::optional<boost::asio::posix::stream_descriptor> inotify_;
  phase phase_ = phase::idle;
  bool again_ = false;    // a wake-up arrived while a batch was queued or running
  bool holding_ = false;  // a hold-off is in effect
  bool stopping_ = false;
  std::uint64_t batches_ = 0;
};

}  // namespace gg::loader::detail

#include "segment_watcher.hpp"

#include <gadgetgrove/core/log.hpp>

#include <boost/asio/post.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

namespace gg::loader::detail {
namespace {

constexpr logger log{"loader"};

// A batch that threw (it should not) is retried after this long rather than at once.
constexpr std::chrono::milliseconds after_exception{1000};

}  // namespace

std::shared_ptr<segment_watcher> segment_watcher::create(
    boost::asio::io_context& io, boost::asio::thread_pool::executor_type blocking,
    watcher_options options, batch_fn batch) {
  return std::shared_ptr<segment_watcher>(
      new segment_watcher(io, blocking, std::move(options), std::move(batch)));
}

segment_watcher::segment_watcher(boost::asio::io_context& io,
                                 boost::asio::thread_pool::executor_type blocking,
                                 watcher_options options, batch_fn batch)
    : options_(std::move(options)),
      batch_(std::move(batch)),
      blocking_(blocking),
      poll_timer_(io),
      hold_timer_(io) {}

void segment_watcher::start() {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (options_.use_inotify) {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      log.warn("inotify unavailable; polling only", {{"errno", errno}});
    } else {
      for (const auto& dir : options_.dirs) {
        if (::inotify_add_watch(fd, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
          log.warn("cannot watch a log directory; polling it",
                   {{"dir", dir.string()}, {"errno", errno}});
        }
      }
      inotify_.emplace(poll_timer_.get_executor(), fd);
      arm_inotify_locked();
    }
  }
  arm_poll_locked();
  queue_batch_locked();
}

void segment_watcher::wake() {
  std::lock_guard lock(mutex_);
  queue_batch_locked();
}

void segment_watcher::request_stop() {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  stopping_ = true;
  poll_timer_.cancel();
  hold_timer_.cancel();
  if (inotify_) {
    boost::system::error_code ec;
    inotify_->cancel(ec);
    inotify_->close(ec);
  }
  again_ = false;
  // A batch queued behind busy pool threads would only start to find the stop; drop it so
  // drain does not wait for the pool.
  if (phase_ == phase::queued) phase_ = phase::idle;
  idle_cv_.notify_all();
}

bool segment_watcher::wait_idle(gg::deadline until) {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_until(lock, until, [this] { return phase_ == phase::idle; });
}

void segment_watcher::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return phase_ == phase::idle; });
}

std::uint64_t segment_watcher::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

void segment_watcher::queue_batch_locked() {
  if (stopping_ || holding_) return;
  if (phase_ != phase::idle) {
    again_ = true;
    return;
  }
  phase_ = phase::queued;
  boost::asio::post(blocking_, [self = shared_from_this()] { self->run_batch(); });
}

void segment_watcher::run_batch() {
  {
    std::lock_guard lock(mutex_);
    // Dropped by request_stop() while it waited for a pool thread.
    if (phase_ != phase::queued || stopping_) return;
    phase_ = phase::running;
    ++batches_;
  }
  std::chrono::milliseconds hold{0};
  try {
    hold = batch_();
  } catch (const std::exception& e) {
    log.error("loader batch threw", {{"error", e.what()}});
    hold = after_exception;
  } catch (...) {
    log.error("loader batch threw");
    hold = after_exception;
  }
  std::lock_guard lock(mutex_);
  phase_ = phase::idle;
  if (stopping_) {
    idle_cv_.notify_all();
    return;
  }
  if (hold.count() > 0) {
    // The hold-off's end runs the follow-up; wake-ups until then change nothing.
    again_ = false;
    hold_off_locked(hold);
  } else if (again_) {
    again_ = false;
    queue_batch_locked();
  }
  idle_cv_.notify_all();
}

void segment_watcher::hold_off_locked(std::chrono::milliseconds delay) {
  holding_ = true;
  hold_timer_.expires_after(delay);
  hold_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    std::lock_guard lock(self->mutex_);
    if (ec || self->stopping_) return;
    self->holding_ = false;
    self->queue_batch_locked();
  });
}

void segment_watcher::arm_poll_locked() {
  poll_timer_.expires_after(options_.poll_interval);
  poll_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    std::lock_guard lock(self->mutex_);
    if (ec || self->stopping_) return;
    self->queue_batch_locked();
    self->arm_poll_locked();
  });
}

void segment_watcher::arm_inotify_locked() {
  inotify_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [self = shared_from_this()](const boost::system::error_code& ec) {
        std::lock_guard lock(self->mutex_);
        if (ec || self->stopping_ || !self->inotify_ || !self->inotify_->is_open()) return;
        // The names do not matter: a batch scans the directories. Reading empties the queue
        // so the descriptor is not ready again for the same events.
        alignas(inotify_event) char events[16 * 1024];
        while (::read(self->inotify_->native_handle(), events, sizeof events) > 0) {
        }
        self->queue_batch_locked();
        self->arm_inotify_locked();
      });
}

}  // namespace gg::loader::detail

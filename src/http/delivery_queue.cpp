#include "delivery_queue.hpp"

#include "session.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace gg::http::detail {

/// The posted handler. Run, it delivers; destroyed unrun (the io_context went first), it drops
/// what waits, which holds connections that hold the listener that holds this queue.
struct delivery_queue::task {
  std::shared_ptr<delivery_queue> queue;

  explicit task(std::shared_ptr<delivery_queue> q) noexcept : queue(std::move(q)) {}
  task(task&&) noexcept = default;
  task& operator=(task&&) = delete;
  ~task() {
    if (queue) queue->discard();
  }
  void operator()() {
    const auto q = std::move(queue);
    q->run();
  }
};

void delivery_queue::push(std::shared_ptr<session> s, std::uint64_t id, response&& r,
                          bool dropped) {
  bool post = false;
  {
    std::lock_guard lock{mu_};
    waiting_.push_back(item{std::move(s), id, std::move(r), dropped});
    post = !std::exchange(posted_, true);
  }
  if (!post) return;
  try {
    boost::asio::post(io_, task{shared_from_this()});
  } catch (...) {
    // Not posted: the next push posts again; until then what waits is still held.
    std::lock_guard lock{mu_};
    posted_ = false;
    throw;
  }
}

void delivery_queue::run() {
  std::vector<item> batch;
  {
    std::lock_guard lock{mu_};
    batch.swap(waiting_);
    posted_ = false;
  }
  for (item& it : batch) {
    it.target->deliver_here(it.id, std::move(it.res), it.dropped);
  }
  // Give the capacity back, so a steady stream of commits allocates nothing here.
  batch.clear();
  std::lock_guard lock{mu_};
  if (waiting_.empty() && waiting_.capacity() < batch.capacity()) waiting_.swap(batch);
}

void delivery_queue::discard() noexcept {
  std::vector<item> dropped;
  {
    std::lock_guard lock{mu_};
    dropped.swap(waiting_);
    posted_ = false;
  }
  // The connections are released here, outside the lock: a last reference closes one.
}

}  // namespace gg::http::detail

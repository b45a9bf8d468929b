#pragma once
// Responses handed to a listener's connections from threads outside its io_context — the event
// log's writer answering every event of a group commit — gathered so that one posted task hands
// them all over: a commit of N events wakes an I/O thread once, not N times.

#include <gadgetgrove/http/response.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace gg::http::detail {

class session;

/// A mailbox of (connection, request id, response) from foreign threads. push() appends and,
/// when the mailbox was empty, posts one task to the io_context that moves every waiting
/// response onto its connection's strand (inline when that strand is free, as it is from an
/// I/O thread). Responses of one connection keep their push order.
///
/// Thread safety: push() from any thread. A task that is never run (the io_context is
/// destroyed first) drops what waits, so connections do not keep each other alive.
class delivery_queue : public std::enable_shared_from_this<delivery_queue> {
 public:
  explicit delivery_queue(boost::asio::io_context::executor_type io) : io_(std::move(io)) {}

  /// True on a thread running the io_context, where a strand can be entered directly.
  bool on_io_thread() const noexcept { return io_.running_in_this_thread(); }
  /// Queues `r` for request `id` of `s`. May throw std::bad_alloc; a response queued before
  /// the failure goes out with the next push.
  void push(std::shared_ptr<session> s, std::uint64_t id, response&& r, bool dropped);

 private:
  struct item {
    std::shared_ptr<session> target;
    std::uint64_t id;
    response res;
    bool dropped;
  };
  struct task;

  void run();
  void discard() noexcept;

  boost::asio::io_context::executor_type io_;
  std::mutex mu_;
  std::vector<item> waiting_;  // guarded by mu_
  bool posted_ = false;        // guarded by mu_: a task is posted and has not taken waiting_
};

}  // namespace gg::http::detail

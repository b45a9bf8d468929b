#pragma once
// The thread a stage with a blocking client runs on. rabbitmq-c and a LISTENing libpq
// connection block, so the shipper, the stream loader and the load-notice listener each own one
// thread rather than borrowing the scheduler's pools; this is their one lifecycle: started once,
// asked to stop through its stop token, drained against a deadline, joined on destruction.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace gg {

class worker_thread {
 public:
  worker_thread() = default;
  worker_thread(const worker_thread&) = delete;
  worker_thread& operator=(const worker_thread&) = delete;
  ~worker_thread() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }

  /// Runs `body` on the thread. Called once.
  void start(std::function<void(std::stop_token)> body) {
    started_ = true;
    thread_ = std::jthread([this, body = std::move(body)](std::stop_token st) {
      body(st);
      finished_ = true;
    });
  }

  void request_stop() {
    if (thread_.joinable()) thread_.request_stop();
  }

  /// Asks the thread to stop and waits for its body to return until `until`. Errors: timeout
  /// naming `busy_with` (what the body is still doing), the thread then left to finish.
  gg::status drain(deadline until, const char* busy_with) {
    request_stop();
    while (thread_.joinable() && !finished_) {
      if (std::chrono::steady_clock::now() >= until) {
        return gg::fail(gg::errc::timeout, busy_with);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (thread_.joinable()) thread_.join();
    return {};
  }

  bool started() const noexcept { return started_; }
  bool finished() const noexcept { return finished_; }

  /// Sleeps `d` on the thread's body; false when a stop was requested (at once, not after `d`).
  bool sleep(std::stop_token st, std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, st, d, [] { return false; }) && !st.stop_requested();
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::atomic<bool> started_{false};
  std::atomic<bool> finished_{false};
  std::jthread thread_;
};

}  // namespace gg

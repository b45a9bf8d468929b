#pragma once
// SIGINT/SIGTERM for the commands that run work in the foreground (`transform`, `run`): the
// first one requests a stop that the work sees through a stop token.

#include <signal.h>

#include <stop_token>
#include <string>
#include <thread>

namespace gg::app {

/// Blocks SIGINT and SIGTERM in the constructing thread (make it before any worker thread, so
/// every thread inherits the mask) and waits for them on a thread of its own; the first one
/// prints `message` to stderr and requests the stop. The destructor restores the mask.
/// Construct and destroy on the same thread.
class interrupt_watcher {
 public:
  explicit interrupt_watcher(std::string message);
  ~interrupt_watcher();
  interrupt_watcher(const interrupt_watcher&) = delete;
  interrupt_watcher& operator=(const interrupt_watcher&) = delete;

  std::stop_token token() const { return source_.get_token(); }

 private:
  std::string message_;
  sigset_t set_{};
  sigset_t previous_{};
  std::stop_source source_;
  std::jthread thread_;
};

}  // namespace gg::app

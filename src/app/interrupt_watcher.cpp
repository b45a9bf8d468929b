#include "interrupt_watcher.hpp"

#include <pthread.h>

#include <cstdio>
#include <ctime>

namespace gg::app {

interrupt_watcher::interrupt_watcher(std::string message) : message_(std::move(message)) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  // Blocked here, before any worker thread exists, so only sigtimedwait below receives them.
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  thread_ = std::jthread([this](std::stop_token done) {
    const timespec tick{0, 200'000'000};
    while (!done.stop_requested()) {
      if (sigtimedwait(&set_, nullptr, &tick) > 0) {
        std::fprintf(stderr, "%s\n", message_.c_str());
        source_.request_stop();
        return;
      }
    }
  });
}

interrupt_watcher::~interrupt_watcher() {
  thread_.request_stop();
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace gg::app
